namespace Http2Features;

/// <summary>
/// Options for response trailers, reached as <see cref="Http2FeaturesOptions.Trailers"/>
/// (configuration section <c>Http2Features:Trailers</c>).
/// </summary>
public sealed class TrailersOptions
{
    /// <summary>
    /// What to do when a trailer that was not declared is sent. Default: <see cref="UndeclaredTrailerPolicy.Warn"/>
    /// (send it and log a warning), because RFC 9110 only says SHOULD declare.
    /// </summary>
    public UndeclaredTrailerPolicy UndeclaredTrailerPolicy { get; set; } = UndeclaredTrailerPolicy.Warn;
}
