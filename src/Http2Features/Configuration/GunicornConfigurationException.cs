namespace Http2Features;

/// <summary>
/// Thrown at start-up when gunicorn settings are invalid. Each entry of <see cref="Errors"/> names the setting,
/// where it came from (file:line, environment variable, flag or configuration key), the value and what is allowed.
/// </summary>
public sealed class GunicornConfigurationException : Exception
{
    /// <summary>Creates the exception with one line per invalid setting.</summary>
    /// <param name="errors">The errors.</param>
    public GunicornConfigurationException(IReadOnlyList<string> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    /// <summary>Creates an exception with a single message.</summary>
    public GunicornConfigurationException()
        : this([])
    {
    }

    /// <summary>Creates an exception with a single message.</summary>
    /// <param name="message">The message.</param>
    public GunicornConfigurationException(string message)
        : this([message])
    {
    }

    /// <summary>Creates an exception with a single message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public GunicornConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    /// <summary>One line per invalid setting.</summary>
    public IReadOnlyList<string> Errors { get; } = [];

    private static string Format(IReadOnlyList<string> errors) => errors.Count switch
    {
        0 => "Invalid gunicorn settings.",
        1 => "Invalid gunicorn setting: " + errors[0],
        _ => "Invalid gunicorn settings:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)),
    };
}
