using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Http2Features.Configuration;

/// <summary><c>bind</c>: the addresses to listen on, or the embedded default when nothing else names endpoints.</summary>
internal static class ListenBinder
{
    public const string EmbeddedDefaultBind = "127.0.0.1:8443";

    private const string AllowedForm = "an address or a list of addresses, for example \"127.0.0.1:8443\" or [\"[::]:8443\", \"unix:/run/app.sock\"]";

    public static ListenSettings Bind(SettingReader r, GunicornLoadInput input)
    {
        var raw = r.Raw("bind");
        if (raw is null)
        {
            var kestrelHasEndpoints = KestrelEndpointsConfigured(input.Configuration, out var which);
            if (input.UseEmbeddedDefault && !kestrelHasEndpoints)
            {
                return new ListenSettings([BindAddress.TryParse(EmbeddedDefaultBind, out _)!], UsesEmbeddedDefault: true);
            }

            if (kestrelHasEndpoints)
            {
                r.Report(GunicornEvent.Decision, LogLevel.Information,
                    $"no bind set: Kestrel's own endpoints ({SettingText.Safe(which)}) are used; gunicorn's TLS and protocol settings apply only to endpoints created from bind");
            }

            return ListenSettings.None;
        }

        IReadOnlyList<object?>? entries = raw.Value switch
        {
            string s => [s],
            IReadOnlyList<object?> l => l,
            _ => null,
        };
        if (entries is null || entries.Count == 0)
        {
            r.Fail(raw, entries is null ? "not an address" : "an empty list", AllowedForm);
            return ListenSettings.None;
        }

        var binds = new List<BindAddress>();
        foreach (var item in entries)
        {
            if (item is not string entry)
            {
                r.Fail(raw, "each entry must be a string (a nested list is not an address)", AllowedForm);
                continue;
            }

            var parsed = BindAddress.TryParse(entry, out var error);
            if (parsed is null)
            {
                r.Add(new SettingError("bind", raw.Source, raw.DisplayValue, $"'{SettingText.Safe(entry)}' is not a valid address: {error}"));
            }
            else if (parsed.Port != 0 && binds.Contains(parsed))
            {
                r.Add(new SettingError("bind", raw.Source, raw.DisplayValue, $"'{SettingText.Safe(entry)}' is listed twice"));
            }
            else
            {
                binds.Add(parsed);
            }
        }

        return new ListenSettings(binds, UsesEmbeddedDefault: false);
    }

    /// <summary>Whether the app configured Kestrel endpoints itself (urls, ports or a Kestrel:Endpoints section).</summary>
    internal static bool KestrelEndpointsConfigured(IConfiguration? configuration, out string which)
    {
        which = string.Empty;
        if (configuration is null)
        {
            return false;
        }

        foreach (var key in new[] { "urls", "http_ports", "https_ports" })
        {
            if (!string.IsNullOrEmpty(configuration[key]))
            {
                which = key + "=" + configuration[key];
                return true;
            }
        }

        if (configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            which = "Kestrel:Endpoints";
            return true;
        }

        return false;
    }
}
