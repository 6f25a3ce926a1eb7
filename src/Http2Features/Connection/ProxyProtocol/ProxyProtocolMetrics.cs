using System.Diagnostics.Metrics;

namespace Http2Features.Connection.ProxyProtocol;

/// <summary>PROXY protocol metrics on the pack's meter ("Http2Features").</summary>
internal sealed class ProxyProtocolMetrics
{
    public const string VersionTag = "http2features.proxy_protocol.version";
    public const string ErrorTypeTag = Http2FeaturesMeter.ErrorType;

    private readonly Counter<long> _headers;

    public ProxyProtocolMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = Http2FeaturesMeter.Create(meterFactory);
        _headers = meter.CreateCounter<long>(
            "http2features.proxy_protocol.headers",
            unit: "{header}",
            description: "PROXY protocol headers read, by version; rejected connections carry error.type (missing, malformed, too_large, timeout, untrusted_peer, closed).");
    }

    public void Read(int version)
    {
        if (_headers.Enabled)
        {
            _headers.Add(1, new KeyValuePair<string, object?>(VersionTag, version == 1 ? "1" : "2"));
        }
    }

    public void Rejected(string errorType)
    {
        if (_headers.Enabled)
        {
            _headers.Add(1, new KeyValuePair<string, object?>(ErrorTypeTag, errorType));
        }
    }
}
