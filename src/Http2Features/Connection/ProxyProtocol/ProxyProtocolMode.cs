namespace Http2Features;

/// <summary>Which PROXY protocol versions an endpoint accepts (gunicorn's <c>proxy_protocol</c>: v1, v2, auto).</summary>
public enum ProxyProtocolMode
{
    /// <summary>Either version, told apart by the first bytes (gunicorn's <c>auto</c>).</summary>
    Auto = 0,

    /// <summary>Only the text header <c>PROXY TCP4|TCP6|UNKNOWN ...\r\n</c> (haproxy's <c>send-proxy</c>).</summary>
    V1 = 1,

    /// <summary>Only the binary header (haproxy's <c>send-proxy-v2</c>, AWS NLB, Google Cloud load balancers).</summary>
    V2 = 2,
}
