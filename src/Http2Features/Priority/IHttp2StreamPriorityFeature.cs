namespace Http2Features;

/// <summary>
/// The priority the client gave the current request: RFC 7540 stream dependency and weight (HTTP/2 only)
/// and RFC 9218 urgency and incremental (any HTTP version). With <c>AddHttp2Features()</c> on Kestrel it is on
/// <c>HttpContext.Features</c> for every request; <see cref="Microsoft.AspNetCore.Http.Http2StreamPriorityHttpContextExtensions.GetStreamPriority(Microsoft.AspNetCore.Http.HttpContext)"/>
/// returns it too, and creates one from the <c>priority</c> header where the pack's middleware is absent.
/// </summary>
/// <remarks>
/// Values are live: a PRIORITY or PRIORITY_UPDATE frame that arrives while the request runs updates them
/// and raises <see cref="Changed"/>. The object is valid for the current request only: it is recycled for a
/// later request on the same connection, cleared of values and handlers.
/// </remarks>
public interface IHttp2StreamPriorityFeature
{
    /// <summary>
    /// <see langword="true"/> on an HTTP/2 request on a connection the pack observes; then
    /// <see cref="Weight"/>, <see cref="DependsOn"/> and <see cref="Exclusive"/> have values (the RFC 7540
    /// defaults when the client sent none). <see langword="false"/> on HTTP/1.x and HTTP/3, where those are
    /// <see langword="null"/>.
    /// </summary>
    bool HasHttp2Priority { get; }

    /// <summary>The HTTP/2 stream id, or 0 when the request is not an HTTP/2 stream.</summary>
    int StreamId { get; }

    /// <summary>RFC 7540 weight, 1–256 (default 16); <see langword="null"/> when <see cref="HasHttp2Priority"/> is false.</summary>
    int? Weight { get; }

    /// <summary>RFC 7540 stream this one depends on (default 0, the root); <see langword="null"/> when <see cref="HasHttp2Priority"/> is false.</summary>
    int? DependsOn { get; }

    /// <summary>RFC 7540 exclusive flag (default false); <see langword="null"/> when <see cref="HasHttp2Priority"/> is false.</summary>
    bool? Exclusive { get; }

    /// <summary>
    /// RFC 9218 urgency, 0 (most urgent) to 7 (default 3): from the last PRIORITY_UPDATE frame for the
    /// stream if one arrived, otherwise from the <c>priority</c> request header.
    /// </summary>
    int Urgency { get; }

    /// <summary>RFC 9218 incremental flag (default false), from the same source as <see cref="Urgency"/>.</summary>
    bool Incremental { get; }

    /// <summary><see langword="true"/> once a PRIORITY_UPDATE frame set <see cref="Urgency"/> and <see cref="Incremental"/>.</summary>
    bool IsFromPriorityUpdate { get; }

    /// <summary>
    /// Raised after a PRIORITY or PRIORITY_UPDATE frame changed the values while the request runs. Raised on
    /// the thread pool, never on the connection's read loop; exceptions from handlers are not observed by
    /// the server.
    /// </summary>
    event EventHandler? Changed;
}
