using System.Globalization;
using System.Numerics;
using System.Text;

namespace Http2Features.Configuration;

/// <summary>A statement in a gunicorn config file that the binder did not apply.</summary>
/// <param name="Line">1-based line number.</param>
/// <param name="Reason">What the statement is and why it was skipped.</param>
/// <param name="Setting">For an assignment whose value is not a literal: the name assigned (the loader decides
/// whether that is an error, for a setting the binder applies, or a warning).</param>
internal sealed record ConfigFileWarning(int Line, string Reason, string? Setting = null);

/// <summary>One <c>name = literal</c> line.</summary>
/// <param name="Name">The name assigned.</param>
/// <param name="Value">The literal's value (see <see cref="RawSetting.Value"/>).</param>
/// <param name="Line">1-based line of the assignment.</param>
/// <param name="Written">The literal as written (for messages).</param>
internal sealed record ConfigFileAssignment(string Name, object? Value, int Line, string Written);

/// <summary>The assignments and warnings read from one gunicorn config file.</summary>
/// <param name="Assignments">The kept assignments, in file order.</param>
/// <param name="Warnings">At most <see cref="GunicornConfigFileParser.MaxWarnings"/> plain warnings (plus every warning about a kept name).</param>
/// <param name="WarningsLeftOut">Warnings beyond the cap (counted, not kept).</param>
/// <param name="OtherNames">The first names assigned that the caller did not keep, with their lines.</param>
/// <param name="OtherNamesLeftOut">How many more such assignments there were.</param>
internal sealed record ConfigFileResult(
    IReadOnlyList<ConfigFileAssignment> Assignments,
    IReadOnlyList<ConfigFileWarning> Warnings,
    int WarningsLeftOut = 0,
    IReadOnlyList<(string Name, int Line)>? OtherNames = null,
    int OtherNamesLeftOut = 0);

/// <summary>
/// Reads the subset of Python a gunicorn.conf.py needs: <c>name = literal</c> where the literal is a string, a number
/// (also <c>1024 * 1024</c>), True/False/None, or a list/tuple/dict of literals. Nothing is ever evaluated: imports,
/// hooks and computed values are reported with their line and skipped. Never throws on content, and works one
/// statement at a time so memory stays proportional to the longest statement, not to the file.
/// </summary>
internal static class GunicornConfigFileParser
{
    /// <summary>Plain warnings kept per file; the rest are counted.</summary>
    public const int MaxWarnings = 50;

    /// <summary>Names the caller did not keep that are listed by name; the rest are counted.</summary>
    public const int MaxOtherNames = 20;

    /// <summary>Deepest nesting of brackets read; deeper literals are reported, not recursed into.</summary>
    private const int MaxDepth = 32;

    private enum TokenKind
    {
        Name,
        Number,
        String,
        Op,
        Newline,
        Other,
    }

    private readonly record struct Token(TokenKind Kind, string Text, int Line, int Start, int End, object? Value = null, bool Indented = false);

    /// <summary>Parses a config file.</summary>
    /// <param name="text">The file's text.</param>
    /// <param name="keep">Which assigned names to keep (default: all); others are only listed in <see cref="ConfigFileResult.OtherNames"/>.</param>
    public static ConfigFileResult Parse(string text, Func<string, bool>? keep = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var state = new ParseState(text, keep ?? (static _ => true));
        var statement = new List<Token>();
        var insideBlock = false;
        var lexer = new Lexer(text);
        try
        {
            while (lexer.Next(out var token))
            {
                if (token.Kind != TokenKind.Newline)
                {
                    statement.Add(token);
                    continue;
                }

                // Indented lines belong to the compound statement (def/if/with ...) already reported.
                if (statement.Count > 0 && !(statement[0].Indented && insideBlock))
                {
                    insideBlock = false;
                    HandleStatement(statement, state, ref insideBlock);
                }

                statement.Clear();
            }
        }
        catch (FormatException ex)
        {
            // Keep every complete statement before the broken one; drop the partial one.
            state.Warn(new ConfigFileWarning(ex.Data["line"] is int at ? at : lexer.Line, ex.Message));
            statement.Clear();
        }

        if (lexer.Depth > 0)
        {
            state.Warn(new ConfigFileWarning(lexer.Line, "unclosed bracket at end of file; the last statement is ignored"));
        }
        else if (statement.Count > 0 && !(statement[0].Indented && insideBlock))
        {
            HandleStatement(statement, state, ref insideBlock);
        }

        return state.Result();
    }

    private sealed class ParseState(string text, Func<string, bool> keep)
    {
        private readonly List<ConfigFileAssignment> _assignments = [];
        private readonly List<ConfigFileWarning> _warnings = [];
        private readonly List<(string, int)> _others = [];
        private int _plainWarnings;
        private int _warningsLeftOut;
        private int _othersLeftOut;

        public string Text => text;

        public bool Keeps(string name) => keep(name);

        public void Assign(ConfigFileAssignment a)
        {
            if (keep(a.Name))
            {
                _assignments.Add(a);
            }
            else if (_others.Count < MaxOtherNames)
            {
                _others.Add((a.Name, a.Line));
            }
            else
            {
                _othersLeftOut++;
            }
        }

        public void Warn(ConfigFileWarning w)
        {
            if (w.Setting is not null && keep(w.Setting))
            {
                _warnings.Add(w);
            }
            else if (_plainWarnings < MaxWarnings)
            {
                _plainWarnings++;
                _warnings.Add(w);
            }
            else
            {
                _warningsLeftOut++;
            }
        }

        public ConfigFileResult Result() => new(_assignments, _warnings, _warningsLeftOut, _others, _othersLeftOut);
    }

    private static void HandleStatement(List<Token> s, ParseState state, ref bool insideBlock)
    {
        var line = s[0].Line;
        var first = s[0];
        if (first.Kind == TokenKind.Name && IsCompoundKeyword(first.Text))
        {
            insideBlock = s[^1].Text == ":" || first.Text is "def" or "class" or "if" or "for" or "while" or "with" or "try";
            var what = first.Text == "def" && s.Count > 1 ? "function " + SettingText.Safe(s[1].Text) + "()" : "'" + first.Text + "' block";
            state.Warn(new ConfigFileWarning(line, what + " is Python code, not a setting; ignored (hooks have no Kestrel equivalent)"));
            return;
        }

        if (first.Kind == TokenKind.Op && first.Text == "@")
        {
            return; // the decorated def/class on the next line is reported
        }

        if (first.Kind == TokenKind.Name && first.Text is "import" or "from")
        {
            state.Warn(new ConfigFileWarning(line, "'" + first.Text + "' statement ignored: only literal assignments are read"));
            return;
        }

        if (s.Count == 1 && first.Kind == TokenKind.String)
        {
            return; // a docstring: harmless
        }

        if (s.Count >= 3 && first.Kind == TokenKind.Name && s[1].Kind == TokenKind.Op && s[1].Text == "=")
        {
            var rhs = s.GetRange(2, s.Count - 2);
            var position = 0;
            if (TryLiteral(rhs, ref position, 0, out var value) && position == rhs.Count)
            {
                state.Assign(new ConfigFileAssignment(first.Text, value, line, Written(state.Text, rhs)));
            }
            else
            {
                state.Warn(new ConfigFileWarning(line,
                    "'" + SettingText.Safe(first.Text) + "' is not assigned a plain literal (" + Render(rhs) + "); the binder never evaluates Python. Use a string, number, True/False/None or a list of those",
                    first.Text));
            }

            return;
        }

        state.Warn(new ConfigFileWarning(line, "statement '" + Render(s) + "' is not a plain 'name = literal' assignment; ignored"));
    }

    private static bool IsCompoundKeyword(string text) =>
        text is "def" or "class" or "if" or "elif" or "else" or "for" or "while" or "with" or "try" or "except" or "finally"
            or "async" or "return" or "global" or "nonlocal" or "del" or "pass" or "assert" or "raise" or "lambda";

    private static string Written(string text, List<Token> tokens)
    {
        var start = tokens[0].Start;
        var end = tokens[^1].End;
        if (end - start > SettingText.MaxShown * 2)
        {
            end = start + (SettingText.MaxShown * 2);
        }

        var slice = text[start..end];
        return slice.Contains('\n', StringComparison.Ordinal) ? Render(tokens) : slice;
    }

    private static string Render(List<Token> tokens)
    {
        var sb = new StringBuilder();
        foreach (var t in tokens)
        {
            if (sb.Length > 60)
            {
                break;
            }

            sb.Append(sb.Length == 0 ? string.Empty : " ").Append(t.Kind == TokenKind.String ? "\"" + t.Value + "\"" : t.Text);
        }

        var text = SettingText.Safe(sb.ToString());
        return text.Length > 60 ? text[..57] + "..." : text;
    }

    /// <summary>Reads one literal at <paramref name="i"/> (advancing it): a scalar, a product of integers, a list/tuple/dict.</summary>
    private static bool TryLiteral(List<Token> t, ref int i, int depth, out object? value)
    {
        value = null;
        if (i >= t.Count || depth > MaxDepth)
        {
            return false;
        }

        var first = t[i];
        if (first.Kind == TokenKind.Op && first.Text is "[" or "(" or "{")
        {
            return TryContainer(t, ref i, depth, out value);
        }

        if (first.Kind == TokenKind.String)
        {
            // Adjacent string literals concatenate, as in Python.
            var sb = new StringBuilder((string)first.Value!);
            i++;
            while (i < t.Count && t[i].Kind == TokenKind.String)
            {
                sb.Append((string)t[i++].Value!);
            }

            value = sb.ToString();
            return true;
        }

        if (first.Kind == TokenKind.Name)
        {
            i++;
            switch (first.Text)
            {
                case "True":
                    value = true;
                    return true;
                case "False":
                    value = false;
                    return true;
                case "None":
                    value = null;
                    return true;
                default:
                    return false;
            }
        }

        // Numbers, with a unary sign, and products of integers (1024 * 1024).
        var negative = false;
        if (first.Kind == TokenKind.Op && first.Text is "-" or "+" && i + 1 < t.Count && t[i + 1].Kind == TokenKind.Number)
        {
            negative = first.Text == "-";
            i++;
        }

        if (t[i].Kind != TokenKind.Number)
        {
            return false;
        }

        var number = t[i++].Value;
        while (i + 1 < t.Count && t[i].Kind == TokenKind.Op && t[i].Text == "*" && t[i + 1].Kind == TokenKind.Number)
        {
            if (!SettingReader.TryInteger(number, out var left) || !SettingReader.TryInteger(t[i + 1].Value, out var right)
                || BigInteger.Abs(left).GetBitLength() + BigInteger.Abs(right).GetBitLength() > 1024)
            {
                return false;
            }

            number = Normalize(left * right);
            i += 2;
        }

        value = number switch
        {
            long l when negative => l == long.MinValue ? -(BigInteger)l : (object)(-l),
            BigInteger b when negative => Normalize(-b),
            double d when negative => -d,
            _ => number,
        };
        return true;
    }

    private static bool TryContainer(List<Token> t, ref int i, int depth, out object? value)
    {
        value = null;
        var open = t[i].Text;
        var close = open switch { "[" => "]", "(" => ")", _ => "}" };
        i++;
        var items = new List<object?>();
        var dict = open == "{" ? new Dictionary<string, object?>(StringComparer.Ordinal) : null;
        var sawComma = false;
        while (true)
        {
            if (i >= t.Count)
            {
                return false;
            }

            if (t[i].Kind == TokenKind.Op && t[i].Text == close)
            {
                i++;
                break;
            }

            if (!TryLiteral(t, ref i, depth + 1, out var item))
            {
                return false;
            }

            if (dict is not null)
            {
                if (item is not string key || i >= t.Count || t[i].Text != ":")
                {
                    return false;
                }

                i++;
                if (!TryLiteral(t, ref i, depth + 1, out var dictValue))
                {
                    return false;
                }

                dict[key] = dictValue;
            }
            else
            {
                items.Add(item);
            }

            if (i < t.Count && t[i].Kind == TokenKind.Op && t[i].Text == ",")
            {
                sawComma = true;
                i++;
            }
            else if (!(i < t.Count && t[i].Kind == TokenKind.Op && t[i].Text == close))
            {
                return false;
            }
        }

        if (open == "(" && items.Count == 1 && !sawComma)
        {
            value = items[0]; // (x) is x, not a tuple
            return true;
        }

        value = dict is not null ? dict : items;
        return true;
    }

    /// <summary>A long when it fits (what every consumer expects), else the BigInteger.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "Returns a boxed long or BigInteger on purpose.")]
    private static object Normalize(BigInteger value) => value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value;

    private static object? ParseNumber(string literal)
    {
        if (SettingReader.TryParsePythonInteger(literal, out var integer))
        {
            return Normalize(integer);
        }

        var clean = literal.Replace("_", string.Empty, StringComparison.Ordinal);
        if (clean.Length > 400 || clean.Contains('x', StringComparison.OrdinalIgnoreCase) || clean.EndsWith('j') || clean.EndsWith('J'))
        {
            return null;
        }

        return double.TryParse(clean, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
    }

    /// <summary>Python's tokenizer, reduced to what literal assignments need; yields one token at a time.</summary>
    private sealed class Lexer(string text)
    {
        private int _i;
        private bool _atLineStart = true;
        private bool _indented;
        private bool _lastWasNewline = true;

        public int Line { get; private set; } = 1;

        public int Depth { get; private set; }

        public bool Next(out Token token)
        {
            while (_i < text.Length)
            {
                var c = text[_i];
                if (_atLineStart)
                {
                    var start = _i;
                    while (_i < text.Length && (text[_i] == ' ' || text[_i] == '\t'))
                    {
                        _i++;
                    }

                    _indented = _i > start;
                    _atLineStart = false;
                    continue;
                }

                if (c == '\n')
                {
                    var line = Line;
                    Line++;
                    _i++;
                    if (Depth == 0)
                    {
                        _atLineStart = true;
                        if (!_lastWasNewline)
                        {
                            _lastWasNewline = true;
                            token = new Token(TokenKind.Newline, "\n", line, _i - 1, _i);
                            return true;
                        }
                    }

                    continue;
                }

                if (c is ' ' or '\t' or '\r' or '\f')
                {
                    _i++;
                    continue;
                }

                if (c == '#')
                {
                    while (_i < text.Length && text[_i] != '\n')
                    {
                        _i++;
                    }

                    continue;
                }

                if (c == '\\' && _i + 1 < text.Length && (text[_i + 1] == '\n' || (text[_i + 1] == '\r' && _i + 2 < text.Length && text[_i + 2] == '\n')))
                {
                    _i += text[_i + 1] == '\r' ? 3 : 2;
                    Line++;
                    continue;
                }

                var indented = _lastWasNewline && _indented;
                _lastWasNewline = false;
                token = Read(c, indented);
                return true;
            }

            if (!_lastWasNewline)
            {
                _lastWasNewline = true;
                token = new Token(TokenKind.Newline, "\n", Line, _i, _i);
                return true;
            }

            token = default;
            return false;
        }

        private Token Read(char c, bool indented)
        {
            var start = _i;
            if (char.IsLetter(c) || c == '_')
            {
                while (_i < text.Length && (char.IsLetterOrDigit(text[_i]) || text[_i] == '_'))
                {
                    _i++;
                }

                var word = text[start.._i];
                // String prefixes: r"", b"", f"", u"" and combinations.
                if (_i < text.Length && (text[_i] == '"' || text[_i] == '\'') && word.Length <= 2 && word.All(ch => "rRbBuUfF".Contains(ch, StringComparison.Ordinal)))
                {
                    var startLine = Line;
                    var s = ReadString(raw: word.Contains('r', StringComparison.OrdinalIgnoreCase));
                    var evaluated = word.Contains('f', StringComparison.OrdinalIgnoreCase) || word.Contains('b', StringComparison.OrdinalIgnoreCase);
                    return evaluated
                        ? new Token(TokenKind.Other, word + "\"" + s + "\"", startLine, start, _i, null, indented)
                        : new Token(TokenKind.String, s, startLine, start, _i, s, indented);
                }

                return new Token(TokenKind.Name, word, Line, start, _i, null, indented);
            }

            if (char.IsDigit(c) || (c == '.' && _i + 1 < text.Length && char.IsDigit(text[_i + 1])))
            {
                var hex = c == '0' && _i + 1 < text.Length && text[_i + 1] is 'x' or 'X';
                while (_i < text.Length && (char.IsLetterOrDigit(text[_i]) || text[_i] is '_' or '.'
                    || (!hex && text[_i] is '+' or '-' && text[_i - 1] is 'e' or 'E')))
                {
                    _i++;
                }

                var literal = text[start.._i];
                var value = ParseNumber(literal);
                return new Token(value is null ? TokenKind.Other : TokenKind.Number, literal, Line, start, _i, value, indented);
            }

            if (c is '"' or '\'')
            {
                var startLine = Line;
                var s = ReadString(raw: false);
                return new Token(TokenKind.String, s, startLine, start, _i, s, indented);
            }

            if (c is '(' or '[' or '{')
            {
                Depth++;
            }
            else if (c is ')' or ']' or '}')
            {
                Depth = Math.Max(0, Depth - 1);
            }

            // Two-character operators matter only so that "==" or "**" is not read as "=" or "*".
            var op = _i + 1 < text.Length && IsTwoCharOperator(text.AsSpan(_i, 2)) ? text.Substring(_i, 2) : c.ToString();
            _i += op.Length;
            return new Token(TokenKind.Op, op, Line, start, _i, null, indented);
        }

        private static bool IsTwoCharOperator(ReadOnlySpan<char> s) =>
            s is "==" or "!=" or "<=" or ">=" or "**" or "//" or "+=" or "-=" or "*=" or "/=" or "->" or ":=" or "<<" or ">>";

        private string ReadString(bool raw)
        {
            var quote = text[_i];
            var triple = _i + 2 < text.Length && text[_i + 1] == quote && text[_i + 2] == quote;
            var startLine = Line;
            _i += triple ? 3 : 1;
            var sb = new StringBuilder();
            while (true)
            {
                if (_i >= text.Length)
                {
                    throw Unterminated(startLine, "unterminated string starting here; the rest of the file is ignored");
                }

                var c = text[_i];
                if (c == quote && (!triple || (_i + 2 < text.Length && text[_i + 1] == quote && text[_i + 2] == quote)))
                {
                    _i += triple ? 3 : 1;
                    return sb.ToString();
                }

                if (c == '\n')
                {
                    if (!triple)
                    {
                        throw Unterminated(startLine, "unterminated string; the rest of the file is ignored");
                    }

                    Line++;
                }

                if (c == '\\' && _i + 1 < text.Length)
                {
                    if (raw)
                    {
                        // Raw strings keep the backslash, but an escaped quote still does not end the string.
                        sb.Append(c).Append(text[_i + 1]);
                        if (text[_i + 1] == '\n')
                        {
                            Line++;
                        }

                        _i += 2;
                        continue;
                    }

                    Escape(sb);
                    continue;
                }

                sb.Append(c);
                _i++;
            }
        }

        /// <summary>Python's escapes: \n \t \r \0 \\ \' \" \a \b \f \v \xHH \ooo \uXXXX \UXXXXXXXX and line continuation.</summary>
        private void Escape(StringBuilder sb)
        {
            var next = text[_i + 1];
            _i += 2;
            switch (next)
            {
                case 'n': sb.Append('\n'); return;
                case 't': sb.Append('\t'); return;
                case 'r': sb.Append('\r'); return;
                case 'a': sb.Append('\a'); return;
                case 'b': sb.Append('\b'); return;
                case 'f': sb.Append('\f'); return;
                case 'v': sb.Append('\v'); return;
                case '\\': sb.Append('\\'); return;
                case '\'': sb.Append('\''); return;
                case '"': sb.Append('"'); return;
                case '\n': Line++; return; // line continuation inside a string
                case 'x':
                    AppendCodePoint(sb, 2, 16, next);
                    return;
                case 'u':
                    AppendCodePoint(sb, 4, 16, next);
                    return;
                case 'U':
                    AppendCodePoint(sb, 8, 16, next);
                    return;
                case >= '0' and <= '7':
                    _i--;
                    AppendCodePoint(sb, 3, 8, next, minDigits: 1);
                    return;
                default:
                    sb.Append('\\').Append(next); // Python keeps unknown escapes as written
                    return;
            }
        }

        private void AppendCodePoint(StringBuilder sb, int digits, int radix, char escape, int minDigits = -1)
        {
            var value = 0;
            var count = 0;
            while (count < digits && _i < text.Length && Uri.IsHexDigit(text[_i]) && HexValue(text[_i]) < radix)
            {
                value = (value * radix) + HexValue(text[_i]);
                _i++;
                count++;
            }

            if (count < (minDigits < 0 ? digits : minDigits) || value > 0x10FFFF || value is >= 0xD800 and <= 0xDFFF)
            {
                throw Unterminated(Line, $"invalid \\{escape} escape in a string; the rest of the file is ignored");
            }

            sb.Append(char.ConvertFromUtf32(value));
        }

        private static int HexValue(char c) => c <= '9' ? c - '0' : (char.ToLowerInvariant(c) - 'a') + 10;

        private static FormatException Unterminated(int line, string message)
        {
            var ex = new FormatException(message);
            ex.Data["line"] = line;
            return ex;
        }
    }
}
