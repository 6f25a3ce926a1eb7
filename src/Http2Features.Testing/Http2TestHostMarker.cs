namespace Http2Features.Testing;

/// <summary>Marker type of the Http2Features.Testing assembly.</summary>
public static class Http2FeaturesTesting
{
    /// <summary>The ALPN protocol id of HTTP/2 over TLS.</summary>
    public const string AlpnH2 = "h2";
}
