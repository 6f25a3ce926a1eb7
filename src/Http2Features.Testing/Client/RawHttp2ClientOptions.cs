using System.Net.Security;

namespace Http2Features.Testing;

/// <summary>Options of a <see cref="RawHttp2Client"/> connection.</summary>
public sealed class RawHttp2ClientOptions
{
    /// <summary>
    /// Validate the server's TLS certificate against the machine's trust store. Default false, since test servers use
    /// generated certificates. Ignored when <see cref="RemoteCertificateValidationCallback"/> is set.
    /// </summary>
    public bool ValidateServerCertificate { get; set; }

    /// <summary>A custom certificate check (e.g. pin the test certificate's thumbprint). Overrides <see cref="ValidateServerCertificate"/>.</summary>
    public RemoteCertificateValidationCallback? RemoteCertificateValidationCallback { get; set; }

    /// <summary>The TLS server name (SNI) to send; default the host of the address.</summary>
    public string? TlsTargetHost { get; set; }

    /// <summary>The ALPN protocols offered over TLS; default <c>h2</c> only.</summary>
    public IList<string> ApplicationProtocols { get; } = new List<string> { Http2FeaturesTesting.AlpnH2 };

    /// <summary>Fail <see cref="RawHttp2Client.ConnectAsync"/> when TLS does not negotiate <c>h2</c>. Default true.</summary>
    public bool RequireH2 { get; set; } = true;

    /// <summary>
    /// Connect to this Unix domain socket instead of the address's host and port (the address still gives the scheme and
    /// <c>:authority</c>). Default null.
    /// </summary>
    public string? UnixSocketPath { get; set; }

    /// <summary>The <c>:authority</c> sent on requests; default the authority of the base address.</summary>
    public string? Authority { get; set; }

    /// <summary>The SETTINGS the client sends in its preface. Default: ENABLE_PUSH=0 only (everything else at protocol defaults).</summary>
    public Http2Settings ClientSettings { get; set; } = new() { EnablePush = 0 };

    /// <summary>Default timeout of every wait (connect, response, ping, GOAWAY...). Default 10 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// When greater than 0, every write is split into chunks of this many bytes, each written and flushed on its own
    /// (over TLS each chunk becomes its own TLS record: 1 means one byte per record). Default 0 (no splitting).
    /// </summary>
    public int ChunkWrites { get; set; }

    /// <summary>Send WINDOW_UPDATE frames (connection and stream) as response DATA is received. Default true.</summary>
    public bool AutoWindowUpdate { get; set; } = true;

    /// <summary>
    /// Raise the connection-level receive window to this size right after the preface (a WINDOW_UPDATE on stream 0).
    /// Default null: keep the protocol's 65,535 bytes.
    /// </summary>
    public int? ConnectionWindowSize { get; set; }

    /// <summary>
    /// Bytes written on the TCP connection before anything else, before the TLS handshake too: for example a
    /// PROXY protocol header, as a load balancer in front of the server sends it. Default empty.
    /// </summary>
    public ReadOnlyMemory<byte> ConnectionPrefix { get; set; }

    /// <summary>Send the connection preface and SETTINGS on connect. Default true; false lets a test write its own preface.</summary>
    public bool SendPreface { get; set; } = true;

    /// <summary>Wait for the server's first SETTINGS frame in <see cref="RawHttp2Client.ConnectAsync"/>. Default true.</summary>
    public bool WaitForServerSettings { get; set; } = true;

    /// <summary>HPACK: add request headers to the dynamic table (literal with incremental indexing). Default true.</summary>
    public bool HpackUseDynamicTable { get; set; } = true;

    /// <summary>HPACK: Huffman-encode strings when that is shorter. Default true.</summary>
    public bool HpackUseHuffman { get; set; } = true;

    /// <summary>Lower-case request header names (HTTP/2 requires lower case). Default true; false sends names as given.</summary>
    public bool LowercaseHeaderNames { get; set; } = true;

    /// <summary>Upper bound on buffered response bytes per stream, to keep memory bounded against a misbehaving server. Default 256 MiB.</summary>
    public long MaxResponseBodySize { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Upper bound on <see cref="RawHttp2Client.FrameLog"/> entries; beyond it the oldest half is dropped (sequence numbers
    /// keep counting). Default 200,000.
    /// </summary>
    public int MaxFrameLogEntries { get; set; } = 200_000;

    /// <summary>Number of most recent frames quoted in timeout and error messages. Default 12.</summary>
    public int FramesInErrorMessages { get; set; } = 12;
}
