namespace Http2Features.Trailers;

/// <summary>The rule a trailer field broke; carried by <see cref="TrailerValidationException.Rule"/>.</summary>
public enum TrailerRule
{
    /// <summary>The name is empty or not an RFC 9110 §5.6.2 token.</summary>
    InvalidName,

    /// <summary>The name is a pseudo-header (<c>:status</c>, <c>:path</c> …); pseudo-headers never appear in trailers (RFC 9113 §8.1).</summary>
    PseudoHeader,

    /// <summary>The name has upper-case letters; HTTP/2 and HTTP/3 field names must be lower-case (RFC 9113 §8.2.1).</summary>
    UpperCaseOnHttp2,

    /// <summary>
    /// The field may not be sent in trailers (RFC 9110 §6.5.1; the list of RFC 7230 §4.1.2): message framing, routing,
    /// request modifiers, authentication, response control data, or fields that say how to process the content.
    /// </summary>
    ForbiddenInTrailers,

    /// <summary>A connection-specific field, which makes an HTTP/2 message malformed (RFC 9113 §8.2.2).</summary>
    ConnectionSpecific,

    /// <summary>The value contains CR, LF, NUL, another control character, non-ASCII, or leading/trailing whitespace.</summary>
    InvalidValue,

    /// <summary>The trailer was not declared and <see cref="UndeclaredTrailerPolicy.Throw"/> is in force.</summary>
    Undeclared,
}
