using BenchmarkDotNet.Attributes;
using Http2Features.Trailers;
using Microsoft.Extensions.Primitives;

namespace Http2Features.Benchmarks;

/// <summary>
/// Validation of the trailer fields an application sets (name is a lower-case token, not forbidden in trailers,
/// value without CR/LF/NUL): the per-field cost every trailer pays before Kestrel encodes it.
/// </summary>
[MemoryDiagnoser]
public class TrailerValidationBenchmarks
{
    private (string Name, StringValues Value)[] _fields = [];

    [GlobalSetup]
    public void Setup() => _fields =
    [
        ("grpc-status", new StringValues("0")),
        ("grpc-message", new StringValues("OK")),
        ("content-digest", new StringValues("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:")),
        ("server-timing", new StringValues("db;dur=53.2, app;dur=47.2, total;dur=101.0")),
    ];

    /// <summary>Four typical trailer fields (gRPC status and message, a digest, server-timing), per field.</summary>
    [Benchmark(OperationsPerInvoke = 4)]
    public void FourTypicalFields()
    {
        foreach (var (name, value) in _fields)
        {
            TrailerFieldValidator.Validate(name, value, isHttp2OrLater: true);
        }
    }

    /// <summary>A name that is refused (content-length): the cost of building the exception with its message.</summary>
    [Benchmark]
    public bool ForbiddenField()
    {
        try
        {
            TrailerFieldValidator.Validate("content-length", new StringValues("5"), isHttp2OrLater: true);
            return false;
        }
        catch (TrailerValidationException)
        {
            return true;
        }
    }
}
