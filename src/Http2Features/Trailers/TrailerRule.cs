namespace Http2Features;

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
    /// The field may not be sent in trailers: RFC 9110 §6.5.1 forbids fields whose evaluation is needed before the content,
    /// in the categories RFC 7230 §4.1.2 listed.
    /// </summary>
    /// <remarks>
    /// The fields rejected:
    /// <list type="bullet">
    /// <item><description>message framing: <c>content-length</c>, <c>transfer-encoding</c> (reported as <see cref="ConnectionSpecific"/>);</description></item>
    /// <item><description>routing: <c>host</c>;</description></item>
    /// <item><description>request modifiers, controls and conditionals (RFC 9110 §7.6, §13): <c>cache-control</c>, <c>expect</c>, <c>max-forwards</c>,
    /// <c>pragma</c>, <c>range</c>, <c>te</c>, and every <c>if-*</c> field (as Go's net/http refuses them);</description></item>
    /// <item><description>authentication (RFC 9110 §11, RFC 6265): <c>authorization</c>, <c>www-authenticate</c>, <c>proxy-authenticate</c>,
    /// <c>proxy-authorization</c>, <c>realm</c>, <c>set-cookie</c>, <c>cookie</c>;</description></item>
    /// <item><description>response control data: <c>age</c>, <c>expires</c>, <c>date</c>, <c>location</c>, <c>retry-after</c>, <c>vary</c>, <c>warning</c>;</description></item>
    /// <item><description>how to process the content: <c>content-type</c>, <c>content-encoding</c>, <c>content-range</c>, and <c>trailer</c> itself.</description></item>
    /// </list>
    /// <c>authentication-info</c> is allowed (RFC 7615 permits it in trailers).
    /// </remarks>
    ForbiddenInTrailers,

    /// <summary>A connection-specific field, which makes an HTTP/2 message malformed (RFC 9113 §8.2.2).</summary>
    ConnectionSpecific,

    /// <summary>The value contains CR, LF, NUL, another control character, non-ASCII, or leading/trailing whitespace.</summary>
    InvalidValue,

    /// <summary>The trailer was not declared and <see cref="UndeclaredTrailerPolicy.Throw"/> is in force.</summary>
    Undeclared,
}
