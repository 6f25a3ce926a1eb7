namespace Http2Features.Configuration;

/// <summary>Where a gunicorn setting came from, in increasing order of precedence.</summary>
internal enum SettingSourceKind
{
    /// <summary>The binder's embedded default (no source set it).</summary>
    Default = 0,

    /// <summary>A gunicorn config file (<c>-c gunicorn.conf.py</c>).</summary>
    ConfigFile = 1,

    /// <summary>An <c>IConfiguration</c> section (appsettings.json, environment variables).</summary>
    Configuration = 2,

    /// <summary>The <c>GUNICORN_CMD_ARGS</c> environment variable.</summary>
    EnvironmentVariable = 3,

    /// <summary>A command-line flag.</summary>
    CommandLine = 4,
}

/// <summary>A human-readable origin of one value, used in every message about it.</summary>
/// <param name="Kind">The kind of source (its precedence).</param>
/// <param name="Description">For example <c>/app/gunicorn.conf.py:12</c>, <c>flag -b</c>, <c>configuration key Gunicorn:bind</c>.</param>
internal sealed record SettingSource(SettingSourceKind Kind, string Description)
{
    public static SettingSource Default { get; } = new(SettingSourceKind.Default, "embedded default");

    public static SettingSource File(string path, int line) =>
        new(SettingSourceKind.ConfigFile, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{path}:{line}"));

    public static SettingSource ConfigurationKey(string path) => new(SettingSourceKind.Configuration, "configuration key " + path);

    public static SettingSource EnvironmentFlag(string flag) =>
        new(SettingSourceKind.EnvironmentVariable, "environment variable GUNICORN_CMD_ARGS (" + flag + ")");

    public static SettingSource Flag(string flag) => new(SettingSourceKind.CommandLine, "command-line flag " + flag);

    public override string ToString() => Description;
}

/// <summary>One raw value as a source delivered it, before typing and validation.</summary>
/// <param name="Name">Canonical setting name (snake_case).</param>
/// <param name="Value">A <see cref="string"/>, <see cref="long"/>, <see cref="System.Numerics.BigInteger"/> (an integer beyond 64 bits),
/// <see cref="double"/>, <see cref="bool"/>, a list (of strings, or of any of these for nested literals), a dictionary, or null (Python <c>None</c>).</param>
/// <param name="Source">Where it came from.</param>
/// <param name="Written">The value exactly as written (the Python literal of a config file line), when known.</param>
internal sealed record RawSetting(string Name, object? Value, SettingSource Source, string? Written = null)
{
    /// <summary>
    /// The value as the user wrote it, safe to print: Python literals for the file, plain text for flags and keys,
    /// control characters escaped and long values shortened (<see cref="SettingText.Safe"/>).
    /// </summary>
    public string DisplayValue => SettingText.Safe(Written ?? (Value is string s && Source.Kind != SettingSourceKind.ConfigFile ? s : Display(Value)));

    public static string Display(object? value) => value switch
    {
        null => "None",
        string s => "\"" + s + "\"",
        bool b => b ? "True" : "False",
        System.Collections.IDictionary => "{...}",
        System.Collections.IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(Display)) + "]",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
