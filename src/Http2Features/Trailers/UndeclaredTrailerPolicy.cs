namespace Http2Features;

/// <summary>What happens when the application sends a trailer it did not declare in the <c>Trailer</c> header.</summary>
/// <remarks>
/// RFC 9110 §6.6.2: a sender that intends to generate trailer fields SHOULD generate a <c>Trailer</c> header naming them.
/// Trailers added by the pack's ready-made producers are declared automatically and are not subject to this policy.
/// </remarks>
public enum UndeclaredTrailerPolicy
{
    /// <summary>Send it silently.</summary>
    Allow,

    /// <summary>Send it and log a warning (event id 5001). The default.</summary>
    Warn,

    /// <summary>Throw <see cref="TrailerValidationException"/> (rule <see cref="TrailerRule.Undeclared"/>) before anything is sent.</summary>
    Throw,
}
