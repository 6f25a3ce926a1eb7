namespace Http2Features;

/// <summary>
/// Thrown to the caller when a trailer field breaks a rule. Nothing has been written to the response
/// when it is thrown: validation runs before any trailer is handed to the server.
/// </summary>
public sealed class TrailerValidationException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public TrailerValidationException()
        : this("The trailer field is invalid.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TrailerValidationException(string message)
        : base(message)
    {
        FieldName = string.Empty;
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public TrailerValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        FieldName = string.Empty;
    }

    /// <summary>Creates the exception for a field and the rule it broke.</summary>
    /// <param name="fieldName">The offending field name, as given.</param>
    /// <param name="rule">The rule it broke.</param>
    /// <param name="message">A message naming the field and the rule.</param>
    public TrailerValidationException(string fieldName, TrailerRule rule, string message)
        : base(message)
    {
        FieldName = fieldName;
        Rule = rule;
    }

    /// <summary>The offending field name, as given by the caller.</summary>
    public string FieldName { get; }

    /// <summary>The rule the field broke.</summary>
    public TrailerRule Rule { get; }
}
