using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Http2Features.Configuration;

/// <summary>
/// gunicorn's <c>access_log_format</c>: the atoms gunicorn documents (<c>%(h)s %(r)s %(s)s %(b)s %(L)s</c> ...),
/// parsed once at start-up into literal and atom segments. Unsupported atoms are an error, never a silent '-'.
/// </summary>
internal sealed class AccessLogFormat
{
    /// <summary>gunicorn's default <c>access_log_format</c> (the Apache combined log format).</summary>
    public const string GunicornDefault = "%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\"";

    /// <summary>The atoms this binder renders, for error messages and docs.</summary>
    public const string SupportedAtoms = "h l u t r m U q H s B b f a T M D L p {header}i {header}o";

    private readonly List<(char Kind, string Text)> _segments;

    private AccessLogFormat(List<(char Kind, string Text)> segments)
    {
        _segments = segments;
        NeedsBodySize = segments.Any(s => s.Kind is 'b' or 'B');
    }

    /// <summary>Whether the response body has to be counted (<c>%(b)s</c>/<c>%(B)s</c>).</summary>
    public bool NeedsBodySize { get; }

    public static AccessLogFormat? TryParse(string format, out string? error)
    {
        error = null;
        var segments = new List<(char Kind, string Text)>();
        var literal = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c != '%')
            {
                literal.Append(c);
                continue;
            }

            if (i + 1 < format.Length && format[i + 1] == '%')
            {
                literal.Append('%');
                i++;
                continue;
            }

            var close = i + 1 < format.Length && format[i + 1] == '(' ? format.IndexOf(')', i + 2) : -1;
            if (close < 0 || close + 1 >= format.Length || format[close + 1] is not ('s' or 'd'))
            {
                error = $"'%' at position {i.ToString(CultureInfo.InvariantCulture)} does not start an atom such as %(h)s (write %% for a literal percent sign)";
                return null;
            }

            var name = format[(i + 2)..close];
            char kind;
            string text = string.Empty;
            if (name.Length > 2 && name[0] == '{' && name[^2] == '}' && name[^1] is 'i' or 'o')
            {
                kind = name[^1] == 'i' ? 'i' : 'o';
                text = name[1..^2];
            }
            else if (name.Length == 1 && SupportedAtoms.Split(' ').Contains(name))
            {
                kind = name[0];
            }
            else
            {
                error = name.EndsWith("}e", StringComparison.Ordinal)
                    ? $"%({name})s reads the WSGI environ, which an ASP.NET Core request does not have; use %({{header}}i) for a request header"
                    : $"%({name})s is not a supported atom; supported are {SupportedAtoms}";
                return null;
            }

            if (literal.Length > 0)
            {
                segments.Add(('=', literal.ToString()));
                literal.Clear();
            }

            segments.Add((kind, text));
            i = close + 1;
        }

        if (literal.Length > 0)
        {
            segments.Add(('=', literal.ToString()));
        }

        return new AccessLogFormat(segments);
    }

    /// <summary>Renders one line for a finished request.</summary>
    public string Render(HttpContext context, DateTimeOffset started, TimeSpan elapsed, long? bodySize)
    {
        var request = context.Request;
        var response = context.Response;
        var sb = new StringBuilder(160);
        foreach (var (kind, text) in _segments)
        {
            switch (kind)
            {
                case '=': sb.Append(text); break;
                case 'h': sb.Append(context.Connection.RemoteIpAddress?.ToString() ?? "-"); break;
                case 'l': sb.Append('-'); break;
                case 'u': sb.Append(context.User.Identity?.Name is { Length: > 0 } user ? user : "-"); break;
                case 't': sb.Append(started.ToString("[dd/MMM/yyyy:HH:mm:ss ", CultureInfo.InvariantCulture)).Append(started.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", string.Empty, StringComparison.Ordinal)).Append(']'); break;
                case 'r': sb.Append(request.Method).Append(' ').Append(request.PathBase).Append(request.Path).Append(request.QueryString).Append(' ').Append(request.Protocol); break;
                case 'm': sb.Append(request.Method); break;
                case 'U': sb.Append(request.PathBase).Append(request.Path); break;
                case 'q': sb.Append(request.QueryString.HasValue ? request.QueryString.Value![1..] : string.Empty); break;
                case 'H': sb.Append(request.Protocol); break;
                case 's': sb.Append(response.StatusCode.ToString(CultureInfo.InvariantCulture)); break;
                case 'B': sb.Append((bodySize ?? 0).ToString(CultureInfo.InvariantCulture)); break;
                case 'b': sb.Append(bodySize is > 0 ? bodySize.Value.ToString(CultureInfo.InvariantCulture) : "-"); break;
                case 'f': AppendHeader(sb, request.Headers.Referer); break;
                case 'a': AppendHeader(sb, request.Headers.UserAgent); break;
                case 'T': sb.Append(((long)elapsed.TotalSeconds).ToString(CultureInfo.InvariantCulture)); break;
                case 'M': sb.Append(((long)elapsed.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)); break;
                case 'D': sb.Append(((long)(elapsed.Ticks / 10)).ToString(CultureInfo.InvariantCulture)); break;
                case 'L': sb.Append(elapsed.TotalSeconds.ToString("0.000000", CultureInfo.InvariantCulture)); break;
                case 'p': sb.Append('<').Append(Environment.ProcessId.ToString(CultureInfo.InvariantCulture)).Append('>'); break;
                case 'i': AppendHeader(sb, request.Headers[text]); break;
                case 'o': AppendHeader(sb, response.Headers[text]); break;
            }
        }

        return sb.ToString();
    }

    private static void AppendHeader(StringBuilder sb, Microsoft.Extensions.Primitives.StringValues value)
    {
        if (value.Count == 0)
        {
            sb.Append('-');
            return;
        }

        // One line per request: control characters from the client never reach the log raw.
        foreach (var ch in value.ToString())
        {
            if (char.IsControl(ch))
            {
                sb.Append("\\x").Append(((int)ch).ToString("x2", CultureInfo.InvariantCulture));
            }
            else if (ch == '"')
            {
                sb.Append("\\\"");
            }
            else
            {
                sb.Append(ch);
            }
        }
    }
}

/// <summary>
/// Where gunicorn's <c>accesslog</c> (and a file <c>errorlog</c>) lines go: <c>-</c> is stdout (stderr for the error
/// log), anything else a file opened for appending. Each line is written and flushed whole, as gunicorn does.
/// </summary>
internal sealed class GunicornLogTarget : IDisposable
{
    private readonly TextWriter _writer;
    private readonly bool _ownsWriter;
    private readonly Lock _gate = new();

    private GunicornLogTarget(TextWriter writer, bool ownsWriter)
    {
        _writer = writer;
        _ownsWriter = ownsWriter;
    }

    public static GunicornLogTarget Open(string target, TextWriter dash)
    {
        if (target == "-")
        {
            return new GunicornLogTarget(dash, ownsWriter: false);
        }

        var full = Path.GetFullPath(target);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var stream = new FileStream(full, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        return new GunicornLogTarget(new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true }, ownsWriter: true);
    }

    public void WriteLine(string line)
    {
        lock (_gate)
        {
            _writer.WriteLine(line);
        }
    }

    public void Dispose()
    {
        if (_ownsWriter)
        {
            lock (_gate)
            {
                _writer.Dispose();
            }
        }
    }
}

/// <summary>One line per request in gunicorn's <c>access_log_format</c>, after the response finished.</summary>
internal sealed class GunicornAccessLogMiddleware(RequestDelegate next, AccessLogFormat format, GunicornLogTarget target)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = DateTimeOffset.Now;
        var timestamp = Stopwatch.GetTimestamp();
        CountingResponseBody? counter = null;
        if (format.NeedsBodySize && context.Features.Get<IHttpResponseBodyFeature>() is { } body)
        {
            counter = new CountingResponseBody(body);
            context.Features.Set<IHttpResponseBodyFeature>(counter);
        }

        try
        {
            await next(context);
        }
        finally
        {
            if (counter is not null)
            {
                context.Features.Set(counter.Inner);
            }

            var size = counter?.Count ?? context.Response.ContentLength;
            target.WriteLine(format.Render(context, started, Stopwatch.GetElapsedTime(timestamp), size));
        }
    }

    /// <summary>Counts the body bytes written through Stream, Writer or SendFileAsync.</summary>
#pragma warning disable CA1001 // the wrappers own nothing: the inner stream and writer belong to the server
    private sealed class CountingResponseBody : IHttpResponseBodyFeature
#pragma warning restore CA1001
    {
        private readonly CountingStream _stream;
        private readonly CountingWriter _writer;

        public CountingResponseBody(IHttpResponseBodyFeature inner)
        {
            Inner = inner;
            _stream = new CountingStream(this, inner.Stream);
            _writer = new CountingWriter(this, inner.Writer);
        }

        public IHttpResponseBodyFeature Inner { get; }

        public long Count { get; set; }

        public Stream Stream => _stream;

        public PipeWriter Writer => _writer;

        public Task CompleteAsync() => Inner.CompleteAsync();

        public void DisableBuffering() => Inner.DisableBuffering();

        public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
        {
            await Inner.SendFileAsync(path, offset, count, cancellationToken);
            Count += count ?? (new FileInfo(path).Length - offset);
        }

        public Task StartAsync(CancellationToken cancellationToken = default) => Inner.StartAsync(cancellationToken);
    }

    private sealed class CountingWriter(CountingResponseBody owner, PipeWriter inner) : PipeWriter
    {
        public override void Advance(int bytes)
        {
            owner.Count += bytes;
            inner.Advance(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;
    }

    private sealed class CountingStream(CountingResponseBody owner, Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            owner.Count += count;
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            owner.Count += buffer.Length;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            owner.Count += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
