using System.Globalization;
using System.Numerics;
using Microsoft.Extensions.Logging;

namespace Http2Features.Configuration;

/// <summary>
/// Typed access to the merged raw values for the per-concern binders: each getter either returns the typed value
/// or records one <see cref="SettingError"/> (and returns null), so a binder never formats an error by hand
/// and never looks at other binders' errors.
/// </summary>
internal sealed class SettingReader(IReadOnlyDictionary<string, RawSetting> values)
{
    private readonly List<SettingError> _errors = [];
    private readonly List<GunicornDiagnostic> _diagnostics = [];
    private readonly HashSet<string> _failed = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, RawSetting> Values => values;

    public IReadOnlyList<SettingError> Errors => _errors;

    public IReadOnlyList<GunicornDiagnostic> Diagnostics => _diagnostics;

    /// <summary>The raw value of a setting when a source set it (Python <c>None</c> counts as unset).</summary>
    public RawSetting? Raw(string name) => values.TryGetValue(name, out var r) && r.Value is not null ? r : null;

    /// <summary>Whether reading this setting produced an error (so a binder can skip rules that need it).</summary>
    public bool Failed(string name) => _failed.Contains(name);

    public void Fail(RawSetting raw, string problem, string? allowed = null) => Add(SettingError.For(raw, problem, allowed));

    public void Add(SettingError error)
    {
        _failed.Add(error.Setting);
        _errors.Add(error);
    }

    /// <summary>Keeps a start-up diagnostic: the call of its <see cref="GunicornLog"/> event, made when the host starts.</summary>
    public void Report(Action<ILogger> log) => _diagnostics.Add(new(log));

    /// <summary>An integer within the catalog's range (gunicorn's <c>int(value, 0)</c>: <c>0x4000</c>, <c>0o600</c>, <c>1_000</c>).</summary>
    public long? Integer(string name)
    {
        var raw = Raw(name);
        if (raw is null)
        {
            return null;
        }

        var d = GunicornSettingCatalog.Get(name);
        if (!TryInteger(raw.Value, out var number))
        {
            Fail(raw, "not an integer", d.IntegerRange);
            return null;
        }

        if (number < d.Min || number > d.Max)
        {
            Fail(raw, "out of range", d.IntegerRange);
            return null;
        }

        return (long)number;
    }

    /// <summary>A string (numbers are taken as written); trimmed as gunicorn's <c>validate_string</c> does.</summary>
    public string? String(string name)
    {
        var raw = Raw(name);
        switch (raw?.Value)
        {
            case null:
                return null;
            case string s:
                return s.Trim();
            case long or BigInteger or double:
                return RawSetting.Display(raw.Value);
            default:
                Fail(raw, "not a string", "a quoted string");
                return null;
        }
    }

    /// <summary>A file path: a string without NUL characters, made absolute against <paramref name="root"/>.</summary>
    public string? Path(string name, string root)
    {
        var text = String(name);
        if (text is null)
        {
            return null;
        }

        if (text.Length == 0 || text.Contains('\0', StringComparison.Ordinal))
        {
            Fail(Raw(name)!, text.Length == 0 ? "empty path" : "the path contains a NUL character", "a file path");
            return null;
        }

        return System.IO.Path.GetFullPath(text, root);
    }

    /// <summary>True/False, as gunicorn's <c>validate_bool</c> (also the strings "true"/"false").</summary>
    public bool? Boolean(string name)
    {
        var raw = Raw(name);
        switch (raw?.Value)
        {
            case null:
                return null;
            case bool b:
                return b;
            case string s when s.Trim().Equals("true", StringComparison.OrdinalIgnoreCase):
                return true;
            case string s when s.Trim().Equals("false", StringComparison.OrdinalIgnoreCase):
                return false;
            default:
                Fail(raw, "not a boolean", "True or False");
                return null;
        }
    }

    /// <summary>A comma-separated string or a list of strings; empty entries dropped.</summary>
    public IReadOnlyList<string>? List(string name)
    {
        var raw = Raw(name);
        switch (raw?.Value)
        {
            case null:
                return null;
            case string s:
                return s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            case IReadOnlyList<object?> l when l.All(x => x is string):
                return l.Cast<string>().Select(x => x.Trim()).Where(x => x.Length > 0).ToList();
            default:
                Fail(raw, "not a list of strings", "a comma-separated string or a list of strings");
                return null;
        }
    }

    /// <summary>Reads an integer the way Python's <c>int(value, 0)</c> does, also beyond 64 bits (never throws).</summary>
    internal static bool TryInteger(object? value, out BigInteger number)
    {
        number = default;
        switch (value)
        {
            case long l:
                number = l;
                return true;
            case BigInteger b:
                number = b;
                return true;
            case bool:
                return false; // Python bools are ints, but "workers = True" is a mistake worth naming
            case string s:
                return TryParsePythonInteger(s, out number);
            default:
                return false;
        }
    }

    /// <summary>Python integer literal syntax: optional sign, 0x/0o/0b prefixes, underscores between digits.</summary>
    internal static bool TryParsePythonInteger(string text, out BigInteger number)
    {
        number = default;
        var s = text.Trim();
        if (s.Length is 0 or > 400)
        {
            return false;
        }

        var negative = false;
        if (s[0] is '+' or '-')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        var radix = 10;
        if (s.Length > 2 && s[0] == '0' && char.ToLowerInvariant(s[1]) is 'x' or 'o' or 'b')
        {
            radix = char.ToLowerInvariant(s[1]) switch { 'x' => 16, 'o' => 8, _ => 2 };
            s = s[2..];
            if (s.StartsWith('_'))
            {
                s = s[1..];
            }
        }
        else if (s.Length > 1 && s[0] == '0' && s.Any(c => c != '0' && c != '_'))
        {
            return false; // Python rejects leading zeros in decimal literals ("010")
        }

        if (s.Length == 0 || s[^1] == '_' || s.Contains("__", StringComparison.Ordinal))
        {
            return false;
        }

        BigInteger result = 0;
        foreach (var c in s)
        {
            if (c == '_')
            {
                continue;
            }

            var digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => 99,
            };
            if (digit >= radix)
            {
                return false;
            }

            result = (result * radix) + digit;
        }

        number = negative ? -result : result;
        return true;
    }

    /// <summary>Formats a byte count for messages, for example <c>1048576 (1 MiB)</c>.</summary>
    internal static string Bytes(long value) => value % (1024 * 1024) == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{value} ({value / (1024 * 1024)} MiB)")
        : value.ToString(CultureInfo.InvariantCulture);
}
