using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Http2Features.Configuration;

/// <summary>Loads the gunicorn settings once per host and hands them to every options setup.</summary>
internal sealed class GunicornSettingsProvider
{
    private readonly Lazy<GunicornLoadResult> _result;

    public GunicornSettingsProvider(IOptions<GunicornOptions> options, IHostEnvironment environment, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        _result = new Lazy<GunicornLoadResult>(() =>
        {
            var o = options.Value;
            return GunicornSettingsLoader.Load(new GunicornLoadInput
            {
                Arguments = o.Arguments.ToList(),
                EnvironmentArguments = o.ReadEnvironmentVariable ? Environment.GetEnvironmentVariable(GunicornOptions.EnvironmentVariableName) : null,
                Configuration = configuration,
                SectionName = o.ConfigurationSectionName,
                ContentRoot = environment.ContentRootPath,
                BaseDirectory = AppContext.BaseDirectory,
                ConfigFile = o.ConfigFile,
                UseEmbeddedDefault = o.UseEmbeddedDefault,
                EnvironmentName = environment.EnvironmentName,
                LaunchProfile = Environment.GetEnvironmentVariable("DOTNET_LAUNCH_PROFILE"),
                EnvironmentUrls = Environment.GetEnvironmentVariable("ASPNETCORE_URLS"),
            });
        });
    }

    private int _diagnosticsLogged;

    public GunicornLoadResult Result => _result.Value;

    /// <summary>Logs the start-up diagnostics once per host, whichever setup gets there first.</summary>
    public void LogDiagnosticsOnce(ILogger logger)
    {
        if (Interlocked.Exchange(ref _diagnosticsLogged, 1) != 0)
        {
            return;
        }

        foreach (var diagnostic in Result.Diagnostics)
        {
            GunicornLog.Diagnostic(logger, diagnostic);
        }
    }

    /// <summary>The settings when valid, else null (for setups that must not throw, e.g. logging).</summary>
    public GunicornSettings? TryGetSettings() => Result.Settings;
}

/// <summary>
/// Runs at start-up (ValidateOnStart): logs every diagnostic once with its event id, then stops start-up with
/// <see cref="GunicornConfigurationException"/> if any setting is invalid.
/// </summary>
internal sealed class GunicornStartupValidator(GunicornSettingsProvider provider, ILoggerFactory loggerFactory) : IValidateOptions<GunicornStartupCheck>
{
    public ValidateOptionsResult Validate(string? name, GunicornStartupCheck options)
    {
        var result = provider.Result;
        provider.LogDiagnosticsOnce(loggerFactory.CreateLogger(GunicornLog.Category));

        if (result.Errors.Count > 0)
        {
            throw new GunicornConfigurationException(result.Errors);
        }

        return ValidateOptionsResult.Success;
    }
}

/// <summary>
/// An empty options type whose ValidateOnStart runs <see cref="GunicornStartupValidator"/>; validating
/// <see cref="GunicornOptions"/> itself would be circular (the settings are loaded from those options).
/// </summary>
internal sealed class GunicornStartupCheck;
