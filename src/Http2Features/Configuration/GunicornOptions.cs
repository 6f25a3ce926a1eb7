namespace Http2Features;

/// <summary>
/// Where the gunicorn settings binder reads from. Set through
/// <see cref="Microsoft.AspNetCore.Hosting.GunicornWebHostBuilderExtensions.UseGunicornSettings(Microsoft.AspNetCore.Hosting.IWebHostBuilder, string[], Action{GunicornOptions})"/>.
/// </summary>
public sealed class GunicornOptions
{
    /// <summary>The default configuration section (<c>Gunicorn</c>) holding snake_case gunicorn settings.</summary>
    public const string DefaultSectionName = "Gunicorn";

    /// <summary>The environment variable gunicorn reads extra flags from.</summary>
    public const string EnvironmentVariableName = "GUNICORN_CMD_ARGS";

    /// <summary>gunicorn's default for <c>forwarded_allow_ips</c> comes from this variable.</summary>
    internal const string ForwardedAllowIpsVariableName = "FORWARDED_ALLOW_IPS";

    /// <summary>The process arguments to read gunicorn flags from (other arguments are left alone).</summary>
    public IList<string> Arguments { get; } = new List<string>();

    /// <summary>
    /// A gunicorn config file to read when no <c>-c</c> flag, <c>GUNICORN_CMD_ARGS</c> or <c>config</c> key names one.
    /// Relative paths resolve against the content root, then the app's output folder.
    /// </summary>
    public string? ConfigFile { get; set; }

    /// <summary>The configuration section with snake_case gunicorn keys (appsettings.json, <c>Gunicorn__bind</c> ...).</summary>
    public string ConfigurationSectionName { get; set; } = DefaultSectionName;

    /// <summary>
    /// Whether to read the environment variables gunicorn reads (default true): <c>GUNICORN_CMD_ARGS</c>, and
    /// <c>FORWARDED_ALLOW_IPS</c> as the default of <c>forwarded_allow_ips</c>.
    /// </summary>
    public bool ReadEnvironmentVariable { get; set; } = true;

    /// <summary>
    /// When no source sets <c>bind</c> and Kestrel has no endpoints of its own (urls, ports, Kestrel:Endpoints),
    /// listen on https://127.0.0.1:8443 with h2,h1 and a generated development certificate (default true).
    /// </summary>
    public bool UseEmbeddedDefault { get; set; } = true;

    /// <summary>
    /// When a setting is invalid, print one message per invalid setting to standard error and end the process with
    /// exit code 1 while the host is being built, as gunicorn does (default true). Set to false to get a
    /// <see cref="GunicornConfigurationException"/> from host start-up instead, for example in tests.
    /// </summary>
    public bool ExitOnInvalidSettings { get; set; } = true;
}
