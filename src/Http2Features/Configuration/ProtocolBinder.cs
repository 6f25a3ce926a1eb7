using System.Net.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Http2Features.Configuration;

/// <summary>http_protocols, http2_cleartext and worker_class → the protocols of the binder's endpoints.</summary>
internal static class ProtocolBinder
{
    private const string ProtocolsForm = "h1 and h2, in order of preference, for example \"h2,h1\" (h3 is not supported yet)";

    /// <param name="r">The settings.</param>
    /// <param name="tls">Whether the endpoints use TLS (as requested, see <see cref="TlsBinder.Bind"/>).</param>
    /// <param name="hasEndpoints">Whether the binder creates endpoints (bind or the embedded default).</param>
    /// <param name="appEndpoints">No bind: the app's own endpoints (the settings reach them as endpoint defaults).</param>
    public static ProtocolSettings Bind(SettingReader r, bool tls, bool hasEndpoints, AppEndpoints? appEndpoints)
    {
        var protocolsRaw = r.Raw("http_protocols");
        var protocols = ProtocolList(r, protocolsRaw);
        var cleartextRaw = r.Raw("http2_cleartext");
        var cleartext = Cleartext(r, cleartextRaw);

        // gunicorn's default http_protocols is h1; with TLS the binder offers h2,h1 (ALPN falls back to h1 anyway).
        if (protocolsRaw is null && !tls)
        {
            protocols.Remove("h2");
        }

        WorkerClass(r, protocols);

        var result = HttpProtocols.Http1AndHttp2;
        var trustedOnly = false;
        if (tls)
        {
            result = protocols.Contains("h1") && protocols.Contains("h2") ? HttpProtocols.Http1AndHttp2
                : protocols.Contains("h2") ? HttpProtocols.Http2 : HttpProtocols.Http1;
            if (cleartext != Http2Cleartext.Off)
            {
                var source = cleartextRaw!.Source.Description;
                r.Report(l => GunicornLog.CleartextIgnoredWithTls(l, source));
            }
        }
        else if ((hasEndpoints || protocolsRaw is not null) && !r.Failed("http_protocols") && !r.Failed("http2_cleartext"))
        {
            if (!protocols.Contains("h2"))
            {
                result = HttpProtocols.Http1;
                if (cleartext != Http2Cleartext.Off)
                {
                    var source = cleartextRaw!.Source.Description;
                    r.Report(l => GunicornLog.CleartextWithoutH2(l, source));
                }
            }
            else
            {
                switch (cleartext)
                {
                    case Http2Cleartext.Off when appEndpoints is not null:
                        result = HttpProtocols.Http1AndHttp2;
                        var endpoints = SettingText.Safe(appEndpoints.Description);
                        r.Report(l => GunicornLog.H2NotAppliedToAppEndpoints(l, protocolsRaw!.DisplayValue, protocolsRaw.Source.Description, endpoints));
                        break;
                    case Http2Cleartext.Off:
                        r.Fail(protocolsRaw!, "h2 needs TLS", "set certfile and keyfile (--certfile server.crt --keyfile server.key), or for h2c behind a trusted proxy set http2_cleartext = \"prior-knowledge\"");
                        break;
                    case Http2Cleartext.Upgrade:
                        r.Fail(cleartextRaw!, "the HTTP/1.1 'Upgrade: h2c' mechanism is not supported by Kestrel (RFC 9113 deprecated it)", "\"prior-knowledge\", or TLS");
                        break;
                    default:
                        if (cleartext == Http2Cleartext.Both)
                        {
                            r.Report(l => GunicornLog.CleartextUpgradeUnsupported(l, cleartextRaw!.DisplayValue, cleartextRaw.Source.Description));
                        }

                        // gunicorn: h2c only for peers in forwarded_allow_ips; with h1 too, everyone else gets HTTP/1.1.
                        // Http1AndHttp2 without ALPN is HTTP/1.1 in Kestrel; TrustedPeerCleartext switches trusted peers to h2c.
                        result = HttpProtocols.Http1AndHttp2;
                        trustedOnly = true;
                        break;
                }
            }
        }

        var alpn = protocols.Select(p => p == "h2" ? SslApplicationProtocol.Http2 : SslApplicationProtocol.Http11).ToList();
        if (result == HttpProtocols.Http1)
        {
            alpn.Remove(SslApplicationProtocol.Http2);
        }

        return new ProtocolSettings(result, alpn, cleartext, trustedOnly);
    }

    private static List<string> ProtocolList(SettingReader r, RawSetting? raw)
    {
        var protocols = new List<string>();
        foreach (var p in r.List("http_protocols") ?? ["h2", "h1"])
        {
            switch (p.ToLowerInvariant())
            {
                case "h1" or "http/1.1":
                    if (!protocols.Contains("h1"))
                    {
                        protocols.Add("h1");
                    }

                    break;
                case "h2":
                    if (!protocols.Contains("h2"))
                    {
                        protocols.Add("h2");
                    }

                    break;
                case "h3":
                    r.Fail(raw!, "h3 (HTTP/3) is not supported yet", ProtocolsForm);
                    break;
                case "h2c":
                    r.Fail(raw!, "h2c is not a protocol value", "h2 with http2_cleartext = \"prior-knowledge\"");
                    break;
                default:
                    r.Fail(raw!, $"unknown protocol '{SettingText.Safe(p)}'", ProtocolsForm);
                    break;
            }
        }

        if (raw is not null && protocols.Count == 0 && !r.Failed("http_protocols"))
        {
            r.Fail(raw, "names no protocol", ProtocolsForm);
        }

        if (protocols.Count == 0)
        {
            protocols.Add("h1");
        }

        return protocols;
    }

    private static Http2Cleartext Cleartext(SettingReader r, RawSetting? raw)
    {
        switch (raw?.Value)
        {
            case null:
            case false:
                return Http2Cleartext.Off;
            case true:
                return Http2Cleartext.PriorKnowledge; // gunicorn: True means prior-knowledge
            case string s:
                switch (s.Trim().ToLowerInvariant())
                {
                    case "off" or "false" or "no" or "none":
                        return Http2Cleartext.Off;
                    case "prior-knowledge" or "prior_knowledge" or "true":
                        return Http2Cleartext.PriorKnowledge;
                    case "upgrade":
                        return Http2Cleartext.Upgrade;
                    case "both":
                        return Http2Cleartext.Both;
                }

                break;
        }

        r.Fail(raw, "unknown value", "off, prior-knowledge, upgrade or both");
        return Http2Cleartext.Off;
    }

    private static void WorkerClass(SettingReader r, List<string> protocols)
    {
        if (r.String("worker_class") is not { } workerClass)
        {
            return;
        }

        var raw = r.Raw("worker_class")!;
        var normalized = workerClass.ToLowerInvariant();
        var withoutHttp2 = normalized is "sync" or "tornado" or "gunicorn.workers.sync.syncworker" or "gunicorn.workers.gtornado.tornadoworker";
        var knownHttp2 = normalized is "gthread" or "gevent" or "eventlet" or "asgi" or "gevent_wsgi" or "gevent_pywsgi"
            || normalized.StartsWith("uvicorn", StringComparison.Ordinal) || normalized.StartsWith("gunicorn.workers.", StringComparison.Ordinal);
        if (withoutHttp2)
        {
            var kind = normalized.Contains("tornado", StringComparison.Ordinal) ? "tornado" : "sync";
            if (protocols.Remove("h2"))
            {
                r.Report(l => GunicornLog.Http2NotSupportedByWorker(l, kind, raw.DisplayValue, raw.Source.Description));
                if (protocols.Count == 0)
                {
                    protocols.Add("h1");
                }
            }
        }
        else if (!knownHttp2 && !normalized.Contains('.', StringComparison.Ordinal))
        {
            r.Fail(raw, "unknown worker class", "sync, gthread, gevent, eventlet, tornado, asgi or a dotted class path such as uvicorn.workers.UvicornWorker");
        }
        else
        {
            r.Report(l => GunicornLog.WorkerClassAccepted(l, raw.DisplayValue, raw.Source.Description));
        }
    }
}
