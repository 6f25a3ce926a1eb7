using System.IO.Pipelines;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Http2Features.Trailers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Benchmarks;

/// <summary>
/// One HTTP/2 request of bench/Http2Features.LoadApp's <c>/trailers</c> (2 KB body + repr-digest) without the server:
/// the producer (<c>.WithChecksumTrailers(ReprDigestSha256)</c>, as the endpoint wrapper runs it) against the same
/// trailer written by hand (<c>DeclareTrailer</c>, SHA-256 one-shot, <c>AppendTrailer</c>). The context is reused and
/// reset between operations, as Kestrel reuses its per-stream objects, so the allocation column is the producer's own.
/// </summary>
[MemoryDiagnoser]
public class TrailerProducerBenchmarks
{
    private byte[] _body = new byte[2048];

    /// <summary>Body size: 2048 as in the LoadApp; 0 shows the producer's fixed cost without any hashing.</summary>
    [Params(0, 2048)]
    public int BodyBytes { get; set; }
    private readonly ReusableResponse _response = new();
    private readonly TrailersFeature _trailers = new();
    private DefaultHttpContext _context = null!;
    private ServiceProvider _services = null!;
    private RequestDelegate _endpoint = null!;
    private RequestDelegate _byHand = null!;
    private RequestDelegate _producer = null!;
    private TrailerProducerSet _set;

    [GlobalSetup]
    public void Setup()
    {
        _body = new byte[BodyBytes];
        for (var i = 0; i < _body.Length; i++)
        {
            _body[i] = (byte)('a' + (i % 26));
        }

        _services = new ServiceCollection().AddLogging().AddHttp2Features().BuildServiceProvider();
        _context = new DefaultHttpContext { RequestServices = _services };
        _context.Features.Set<IHttpResponseFeature>(_response);
        _context.Features.Set<IHttpResponseBodyFeature>(_response);
        _context.Features.Set<IHttpResponseTrailersFeature>(_trailers);
        _context.Request.Protocol = "HTTP/2";
        _context.Request.Method = "GET";
        _set = new TrailerProducerSet(ChecksumTrailers.ReprDigestSha256, ServerTiming: false, GrpcStatus: false);
        _endpoint = context => context.Response.Body.WriteAsync(_body).AsTask();
        _producer = context => TrailerProducerRunner.RunAsync(context, _endpoint, _set);
        _byHand = async context =>
        {
            context.Response.DeclareTrailer("repr-digest");
            await context.Response.Body.WriteAsync(_body);
            if (context.Response.SupportsTrailers())
            {
                context.Response.AppendTrailer("repr-digest", "sha-256=:" + Convert.ToBase64String(SHA256.HashData(_body)) + ":");
            }
        };
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    /// <summary>The same trailer by hand, as the LoadApp's "off" server does.</summary>
    [Benchmark(Baseline = true)]
    public Task ByHand() => Run(_byHand);

    /// <summary>The repr-digest producer around the endpoint.</summary>
    [Benchmark]
    public Task Producer() => Run(_producer);

    private Task Run(RequestDelegate request)
    {
        var task = request(_context);
        if (!task.IsCompletedSuccessfully || _trailers.Trailers.Count != 1)
        {
            throw new InvalidOperationException("the request must complete synchronously with one trailer");
        }

        // What Kestrel does between two requests on a pooled stream.
        _response.Reset();
        _trailers.Trailers.Clear();
        _context.Features.Set<IHttpResponseTrailersSenderFeature>(null);
        _context.Features.Set<IHttpResponseBodyFeature>(_response);
        return task;
    }

    private sealed class TrailersFeature : IHttpResponseTrailersFeature
    {
        public IHeaderDictionary Trailers { get; set; } = new HeaderDictionary();
    }

    /// <summary>Response head and body that discard the bytes, run OnStarting on the first write and can be reset.</summary>
    private sealed class ReusableResponse : Stream, IHttpResponseFeature, IHttpResponseBodyFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> _onStarting = [];

        public int StatusCode { get; set; } = 200;

        public string? ReasonPhrase { get; set; }

        public IHeaderDictionary Headers { get; set; } = new HeaderDictionary();

        public Stream Body { get => this; set => throw new NotSupportedException(); }

        public bool HasStarted { get; private set; }

        public Stream Stream => this;

        public PipeWriter Writer { get; } = new DiscardingWriter();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void OnStarting(Func<object, Task> callback, object state) => _onStarting.Add((callback, state));

        public void OnCompleted(Func<object, Task> callback, object state)
        {
        }

        public void Reset()
        {
            HasStarted = false;
            StatusCode = 200;
            Headers.Clear();
            _onStarting.Clear();
        }

        public Task StartAsync(CancellationToken cancellationToken = default)
        {
            Start();
            return Task.CompletedTask;
        }

        public Task CompleteAsync()
        {
            Start();
            return Task.CompletedTask;
        }

        public void DisableBuffering()
        {
        }

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Start();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Start();
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private void Start()
        {
            if (HasStarted)
            {
                return;
            }

            // Kestrel runs OnStarting callbacks last-registered first.
            for (var i = _onStarting.Count - 1; i >= 0; i--)
            {
                _ = _onStarting[i].Callback(_onStarting[i].State);
            }

            HasStarted = true;
        }
    }

    private sealed class DiscardingWriter : PipeWriter
    {
        private readonly byte[] _buffer = new byte[4096];

        public override void Advance(int bytes)
        {
        }

        public override void CancelPendingFlush()
        {
        }

        public override void Complete(Exception? exception = null)
        {
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(default(FlushResult));

        public override Memory<byte> GetMemory(int sizeHint = 0) => _buffer;

        public override Span<byte> GetSpan(int sizeHint = 0) => _buffer;
    }
}
