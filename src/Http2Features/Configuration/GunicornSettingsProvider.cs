using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Http2Features.Configuration;

/// <summary>Holds the gunicorn settings loaded for this host (once, when the host is built) for every options setup.</summary>
internal sealed class GunicornSettingsProvider(GunicornLoadResult result)
{
    private int _diagnosticsLogged;

    public GunicornLoadResult Result => result;

    /// <summary>Logs the start-up diagnostics once per host, whichever setup gets there first.</summary>
    public void LogDiagnosticsOnce(ILogger logger)
    {
        if (Interlocked.Exchange(ref _diagnosticsLogged, 1) != 0)
        {
            return;
        }

        foreach (var diagnostic in Result.Diagnostics)
        {
            diagnostic.Log(logger);
        }
    }

    /// <summary>The settings when valid, else null (for setups that must not throw, e.g. logging).</summary>
    public GunicornSettings? TryGetSettings() => Result.Settings;

    /// <summary>Loads the settings for a host being built.</summary>
    public static GunicornLoadResult Load(GunicornOptions o, IConfiguration configuration, string contentRoot, string environmentName) =>
        GunicornSettingsLoader.Load(new GunicornLoadInput
        {
            Arguments = o.Arguments.ToList(),
            EnvironmentArguments = o.ReadEnvironmentVariable ? Environment.GetEnvironmentVariable(GunicornOptions.EnvironmentVariableName) : null,
            ForwardedAllowIpsVariable = o.ReadEnvironmentVariable ? Environment.GetEnvironmentVariable(GunicornOptions.ForwardedAllowIpsVariableName) : null,
            Configuration = configuration,
            SectionName = o.ConfigurationSectionName,
            ContentRoot = contentRoot,
            BaseDirectory = AppContext.BaseDirectory,
            ConfigFile = o.ConfigFile,
            UseEmbeddedDefault = o.UseEmbeddedDefault,
            EnvironmentName = environmentName,
            LaunchProfile = Environment.GetEnvironmentVariable("DOTNET_LAUNCH_PROFILE"),
            EnvironmentUrls = Environment.GetEnvironmentVariable("ASPNETCORE_URLS"),
        });
}

/// <summary>
/// Runs at start-up (ValidateOnStart) when <see cref="GunicornOptions.ExitOnInvalidSettings"/> is off: logs every
/// diagnostic once with its event id, then stops start-up with <see cref="GunicornConfigurationException"/> if any
/// setting is invalid.
/// </summary>
internal sealed class GunicornStartupValidator(GunicornSettingsProvider provider, ILoggerFactory loggerFactory) : IValidateOptions<GunicornStartupCheck>
{
    public ValidateOptionsResult Validate(string? name, GunicornStartupCheck options)
    {
        var result = provider.Result;
        provider.LogDiagnosticsOnce(loggerFactory.CreateLogger(GunicornLog.Category));

        if (result.Errors.Count > 0)
        {
            throw new GunicornConfigurationException(result.ErrorMessages);
        }

        return ValidateOptionsResult.Success;
    }
}

/// <summary>
/// An empty options type whose ValidateOnStart runs <see cref="GunicornStartupValidator"/>; validating
/// <see cref="GunicornOptions"/> itself would be circular (the settings are loaded from those options).
/// </summary>
internal sealed class GunicornStartupCheck;

/// <summary>Ends the process the way gunicorn does on a bad setting: one message on stderr, exit code 1, no stack trace.</summary>
internal static class GunicornStartupFailure
{
    /// <summary>gunicorn's exit code for configuration errors (<c>sys.exit(1)</c> in gunicorn/app/base.py).</summary>
    public const int ExitCode = 1;

    public static string Format(IReadOnlyList<SettingError> errors) => errors.Count == 1
        ? "Error: invalid gunicorn setting: " + errors[0] + Environment.NewLine
        : "Error: invalid gunicorn settings:" + Environment.NewLine + string.Concat(errors.Select(e => "  - " + e + Environment.NewLine));

    public static void Exit(IReadOnlyList<SettingError> errors)
    {
        Console.Error.Write(Format(errors));
        Console.Error.Flush();
        Environment.Exit(ExitCode);
    }
}
