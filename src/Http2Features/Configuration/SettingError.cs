using System.Globalization;
using System.Text;

namespace Http2Features.Configuration;

/// <summary>
/// One invalid gunicorn setting: which setting, where it came from (file:line, flag, variable or key), the value as
/// the user wrote it (made safe to print) and what is allowed. Every start-up error of the binder is one of these.
/// </summary>
/// <param name="Setting">gunicorn's name of the setting (snake_case).</param>
/// <param name="Source">Where the value came from; null for problems that belong to no single source.</param>
/// <param name="Value">The value as written, already escaped and shortened by <see cref="SettingText.Safe"/>; null when there is none.</param>
/// <param name="Problem">What is wrong, in a few words.</param>
/// <param name="Allowed">The allowed range or form, or what to use instead; null when <paramref name="Problem"/> says it.</param>
internal sealed record SettingError(string Setting, SettingSource? Source, string? Value, string Problem, string? Allowed = null)
{
    /// <summary>Creates the error for a raw value (its display text and source).</summary>
    public static SettingError For(RawSetting raw, string problem, string? allowed = null) =>
        new(raw.Name, raw.Source, raw.DisplayValue, problem, allowed);

    /// <summary>One line: <c>setting = value (source): problem; allowed: form</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(Setting);
        if (Value is not null)
        {
            sb.Append(" = ").Append(Value);
        }

        if (Source is not null)
        {
            sb.Append(" (").Append(Source.Description).Append(')');
        }

        sb.Append(": ").Append(Problem);
        if (Allowed is not null)
        {
            sb.Append("; allowed: ").Append(Allowed);
        }

        return sb.ToString();
    }
}

/// <summary>Text of user input made safe for a terminal or a log line.</summary>
internal static class SettingText
{
    /// <summary>Longest value shown in a message; the rest is elided with its length.</summary>
    public const int MaxShown = 120;

    /// <summary>
    /// Escapes control characters (<c>\n</c>, <c>\t</c>, <c>\0</c>, <c>\x1b</c> ...) and bidirectional/format characters,
    /// and shortens long text to <see cref="MaxShown"/> characters, so that a value can never forge log lines or
    /// terminal output.
    /// </summary>
    public static string Safe(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var needsWork = text.Length > MaxShown;
        foreach (var c in text)
        {
            if (NeedsEscape(c))
            {
                needsWork = true;
                break;
            }
        }

        if (!needsWork)
        {
            return text;
        }

        var sb = new StringBuilder(Math.Min(text.Length, MaxShown) + 16);
        var i = 0;
        for (; i < text.Length && sb.Length < MaxShown; i++)
        {
            var c = text[i];
            if (!NeedsEscape(c))
            {
                sb.Append(c);
                continue;
            }

            sb.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\0' => "\\0",
                _ when c <= 0xFF => string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
            });
        }

        if (i < text.Length)
        {
            sb.Append(CultureInfo.InvariantCulture, $"... ({text.Length} characters)");
        }

        return sb.ToString();
    }

    private static bool NeedsEscape(char c) =>
        char.IsControl(c)
        || char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
