using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace Http2Features.Tests.Trailers;

/// <summary>One HTTP/1.1 response as it crossed the wire: head, de-chunked body, the raw trailer section.</summary>
internal sealed record RawHttp1Response(string Head, byte[] Body, bool Chunked, string TrailerSection, byte[] Raw)
{
    public int Status => int.Parse(Head.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);

    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>Trailer fields, names lower-cased.</summary>
    public Dictionary<string, string> Trailers =>
        TrailerSection.Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0].ToLowerInvariant(), p => p[1].Trim());

    public string? Header(string name) =>
        Head.Split("\r\n").Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Equals(name, StringComparison.OrdinalIgnoreCase))
            .Select(p => p[1].Trim()).FirstOrDefault();
}

/// <summary>
/// A raw HTTP/1.1 client over TLS (ALPN http/1.1) or cleartext: writes request bytes as given (so tests can pipeline) and
/// parses responses strictly, keeping the exact bytes, so the chunked framing and trailer section are checked as sent.
/// </summary>
internal sealed class RawHttp1Client : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly List<byte> _buffer = [];

    private RawHttp1Client(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
    }

    public static async Task<RawHttp1Client> ConnectAsync(Uri baseAddress, CancellationToken cancellationToken = default)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(baseAddress.Host, baseAddress.Port, cancellationToken);
        Stream stream = tcp.GetStream();
        if (baseAddress.Scheme == Uri.UriSchemeHttps)
        {
            var ssl = new SslStream(stream, false, (_, _, _, _) => true);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ApplicationProtocols = [SslApplicationProtocol.Http11],
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            }, cancellationToken);
            stream = ssl;
        }

        return new RawHttp1Client(tcp, stream);
    }

    public static string Get(string path, string? extraHeaders = null) =>
        $"GET {path} HTTP/1.1\r\nHost: localhost\r\n{extraHeaders}\r\n";

    public Task SendAsync(string request, CancellationToken cancellationToken = default) => SendAsync(Encoding.ASCII.GetBytes(request), cancellationToken);

    public async Task SendAsync(byte[] bytes, CancellationToken cancellationToken = default)
    {
        await _stream.WriteAsync(bytes, cancellationToken);
        await _stream.FlushAsync(cancellationToken);
    }

    /// <summary>Reads the next final response (skipping 1xx). A HEAD response has no body: pass <paramref name="head"/>.</summary>
    public async Task<RawHttp1Response> ReadResponseAsync(TimeSpan timeout, bool head = false)
    {
        using var cts = new CancellationTokenSource(timeout);
        var start = 0;
        while (true)
        {
            var headEnd = await FindAsync("\r\n\r\n"u8.ToArray(), start, cts.Token);
            var headText = Encoding.ASCII.GetString(_buffer.GetRange(start, headEnd - start).ToArray());
            var pos = headEnd + 4;
            var status = int.Parse(headText.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
            if (status is >= 100 and < 200 && status != 101)
            {
                start = pos;
                continue;
            }

            var headers = headText.Split("\r\n").Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
                .ToLookup(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
            var body = new List<byte>();
            var trailerSection = string.Empty;
            var chunked = headers["transfer-encoding"].Any(v => v.EndsWith("chunked", StringComparison.OrdinalIgnoreCase));
            if (head || status is 204 or 304)
            {
                // no body
            }
            else if (chunked)
            {
                while (true)
                {
                    var lineEnd = await FindAsync("\r\n"u8.ToArray(), pos, cts.Token);
                    var sizeText = Encoding.ASCII.GetString(_buffer.GetRange(pos, lineEnd - pos).ToArray());
                    var size = Convert.ToInt32(sizeText, 16);
                    pos = lineEnd + 2;
                    if (size == 0)
                    {
                        // Trailer section: field lines up to an empty line.
                        var sectionEnd = await FindSectionEndAsync(pos, cts.Token);
                        trailerSection = Encoding.ASCII.GetString(_buffer.GetRange(pos, sectionEnd - pos).ToArray());
                        pos = sectionEnd + 2;
                        break;
                    }

                    await EnsureAsync(pos + size + 2, cts.Token);
                    body.AddRange(_buffer.GetRange(pos, size));
                    if (_buffer[pos + size] != '\r' || _buffer[pos + size + 1] != '\n')
                    {
                        throw new InvalidDataException($"Chunk of {size} bytes not followed by CRLF.");
                    }

                    pos += size + 2;
                }
            }
            else if (headers["content-length"].FirstOrDefault() is { } lengthText)
            {
                var length = int.Parse(lengthText, System.Globalization.CultureInfo.InvariantCulture);
                await EnsureAsync(pos + length, cts.Token);
                body.AddRange(_buffer.GetRange(pos, length));
                pos += length;
            }
            else
            {
                // Close-delimited (HTTP/1.0).
                while (await FillAsync(cts.Token))
                {
                }

                body.AddRange(_buffer.GetRange(pos, _buffer.Count - pos));
                pos = _buffer.Count;
            }

            var raw = _buffer.GetRange(0, pos).ToArray();
            _buffer.RemoveRange(0, pos);
            return new RawHttp1Response(headText, [.. body], chunked, trailerSection, raw);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }

    // The trailer section ends at the first empty line: "\r\n" right at pos, or "\r\n\r\n" later.
    private async Task<int> FindSectionEndAsync(int pos, CancellationToken cancellationToken)
    {
        await EnsureAsync(pos + 2, cancellationToken);
        if (_buffer[pos] == '\r' && _buffer[pos + 1] == '\n')
        {
            return pos;
        }

        return await FindAsync("\r\n\r\n"u8.ToArray(), pos, cancellationToken) + 2;
    }

    private async Task<int> FindAsync(byte[] needle, int from, CancellationToken cancellationToken)
    {
        while (true)
        {
            for (var i = from; i + needle.Length <= _buffer.Count; i++)
            {
                var match = true;
                for (var j = 0; j < needle.Length && match; j++)
                {
                    match = _buffer[i + j] == needle[j];
                }

                if (match)
                {
                    return i;
                }
            }

            if (!await FillAsync(cancellationToken))
            {
                throw new EndOfStreamException($"Connection closed before '{Encoding.ASCII.GetString(needle).Replace("\r\n", "\\r\\n", StringComparison.Ordinal)}'; got: {Encoding.ASCII.GetString([.. _buffer])}");
            }
        }
    }

    private async Task EnsureAsync(int count, CancellationToken cancellationToken)
    {
        while (_buffer.Count < count)
        {
            if (!await FillAsync(cancellationToken))
            {
                throw new EndOfStreamException($"Connection closed after {_buffer.Count} of {count} bytes.");
            }
        }
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        var chunk = new byte[16384];
        var read = await _stream.ReadAsync(chunk, cancellationToken);
        _buffer.AddRange(chunk.AsSpan(0, read).ToArray());
        return read > 0;
    }
}
