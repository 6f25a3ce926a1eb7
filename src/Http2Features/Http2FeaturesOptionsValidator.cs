using Microsoft.Extensions.Options;

namespace Http2Features;

/// <summary>Validates <see cref="Http2FeaturesOptions"/> at start-up; each capability adds its checks here.</summary>
internal sealed class Http2FeaturesOptionsValidator : IValidateOptions<Http2FeaturesOptions>
{
    public ValidateOptionsResult Validate(string? name, Http2FeaturesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
