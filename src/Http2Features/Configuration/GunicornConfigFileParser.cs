using System.Globalization;
using System.Text;

namespace Http2Features.Configuration;

/// <summary>A statement in a gunicorn config file that the binder did not apply.</summary>
/// <param name="Line">1-based line number.</param>
/// <param name="Reason">What the statement is and why it was skipped.</param>
internal sealed record ConfigFileWarning(int Line, string Reason);

/// <summary>The assignments and warnings read from one gunicorn config file.</summary>
internal sealed record ConfigFileResult(IReadOnlyList<(string Name, object? Value, int Line)> Assignments, IReadOnlyList<ConfigFileWarning> Warnings);

/// <summary>
/// Reads the subset of Python a gunicorn.conf.py needs: <c>name = literal</c> where the literal is a string,
/// an integer (also <c>1024 * 1024</c>), a float, True/False/None, or a list/tuple of strings.
/// Everything else (imports, hooks, computed values) is reported with its line and skipped. Never throws on content.
/// </summary>
internal static class GunicornConfigFileParser
{
    private enum TokenKind
    {
        Name,
        Number,
        String,
        Op,
        Newline,
        Other,
    }

    private readonly record struct Token(TokenKind Kind, string Text, int Line, object? Value = null, bool Indented = false);

    public static ConfigFileResult Parse(string text)
    {
        var warnings = new List<ConfigFileWarning>();
        var assignments = new List<(string, object?, int)>();
        var tokens = Tokenize(text, warnings);

        var statement = new List<Token>();
        var insideBlock = false;
        foreach (var token in tokens)
        {
            if (token.Kind != TokenKind.Newline)
            {
                statement.Add(token);
                continue;
            }

            if (statement.Count > 0)
            {
                // Indented lines belong to the compound statement (def/if/with ...) already reported.
                if (!(statement[0].Indented && insideBlock))
                {
                    insideBlock = false;
                    HandleStatement(statement, assignments, warnings, ref insideBlock);
                }
            }

            statement.Clear();
        }

        return new ConfigFileResult(assignments, warnings);
    }

    private static void HandleStatement(List<Token> s, List<(string, object?, int)> assignments, List<ConfigFileWarning> warnings, ref bool insideBlock)
    {
        var line = s[0].Line;
        var first = s[0];
        if (first.Kind == TokenKind.Name && IsCompoundKeyword(first.Text))
        {
            insideBlock = s[^1].Text == ":" || first.Text is "def" or "class" or "if" or "for" or "while" or "with" or "try";
            var what = first.Text == "def" && s.Count > 1 ? "function " + s[1].Text + "()" : "'" + first.Text + "' block";
            warnings.Add(new ConfigFileWarning(line, what + " is Python code, not a setting; ignored (hooks have no Kestrel equivalent)"));
            return;
        }

        if (first.Kind == TokenKind.Op && first.Text == "@")
        {
            return; // the decorated def/class on the next line is reported
        }

        if (first.Kind == TokenKind.Name && first.Text is "import" or "from")
        {
            warnings.Add(new ConfigFileWarning(line, "'" + first.Text + "' statement ignored: only literal assignments are read"));
            return;
        }

        if (s.Count == 1 && first.Kind == TokenKind.String)
        {
            return; // a docstring: harmless
        }

        if (s.Count >= 3 && first.Kind == TokenKind.Name && s[1].Kind == TokenKind.Op && s[1].Text == "=")
        {
            var rhs = s.GetRange(2, s.Count - 2);
            if (TryLiteral(rhs, out var value))
            {
                assignments.Add((first.Text, value, line));
            }
            else
            {
                warnings.Add(new ConfigFileWarning(line,
                    "'" + first.Text + "' is not assigned a plain literal (" + Render(rhs) + "); ignored. Use a string, number, True/False/None or a list of strings"));
            }

            return;
        }

        warnings.Add(new ConfigFileWarning(line, "statement '" + Render(s) + "' is not a plain 'name = literal' assignment; ignored"));
    }

    private static bool IsCompoundKeyword(string text) =>
        text is "def" or "class" or "if" or "elif" or "else" or "for" or "while" or "with" or "try" or "except" or "finally"
            or "async" or "return" or "global" or "nonlocal" or "del" or "pass" or "assert" or "raise" or "lambda";

    private static string Render(List<Token> tokens)
    {
        var text = string.Join(" ", tokens.Select(t => t.Kind == TokenKind.String ? "\"" + t.Value + "\"" : t.Text));
        return text.Length > 60 ? text[..57] + "..." : text;
    }

    private static bool TryLiteral(List<Token> t, out object? value)
    {
        value = null;
        if (t.Count == 1)
        {
            var only = t[0];
            switch (only.Kind)
            {
                case TokenKind.String:
                case TokenKind.Number:
                    value = only.Value;
                    return true;
                case TokenKind.Name when only.Text == "True":
                    value = true;
                    return true;
                case TokenKind.Name when only.Text == "False":
                    value = false;
                    return true;
                case TokenKind.Name when only.Text == "None":
                    value = null;
                    return true;
                default:
                    return false;
            }
        }

        // Adjacent string literals concatenate, as in Python.
        if (t.All(x => x.Kind == TokenKind.String))
        {
            value = string.Concat(t.Select(x => (string)x.Value!));
            return true;
        }

        // Unary minus on a number.
        if (t.Count == 2 && t[0].Text == "-" && t[1].Kind == TokenKind.Number)
        {
            value = t[1].Value switch
            {
                long l => -l,
                double d => -d,
                _ => null,
            };
            return value is not null;
        }

        // Products of integers: 1024 * 1024, 64 * 1024 * 1024.
        if (t.Count % 2 == 1 && t.Count >= 3)
        {
            var isProduct = true;
            long product = 1;
            for (var i = 0; i < t.Count && isProduct; i++)
            {
                if (i % 2 == 0)
                {
                    if (t[i].Value is long factor)
                    {
                        try
                        {
                            product = checked(product * factor);
                        }
                        catch (OverflowException)
                        {
                            isProduct = false;
                        }
                    }
                    else
                    {
                        isProduct = false;
                    }
                }
                else
                {
                    isProduct = t[i].Kind == TokenKind.Op && t[i].Text == "*";
                }
            }

            if (isProduct)
            {
                value = product;
                return true;
            }
        }

        // Lists and tuples of strings: ["h2", "h1"], ("a",), [].
        if (t[0].Text is "[" or "(" && t[^1].Text == (t[0].Text == "[" ? "]" : ")"))
        {
            var items = new List<string>();
            var expectItem = true;
            for (var i = 1; i < t.Count - 1; i++)
            {
                var x = t[i];
                if (expectItem && x.Kind == TokenKind.String)
                {
                    // Adjacent strings inside a list still concatenate.
                    var sb = new StringBuilder((string)x.Value!);
                    while (i + 1 < t.Count - 1 && t[i + 1].Kind == TokenKind.String)
                    {
                        sb.Append((string)t[++i].Value!);
                    }

                    items.Add(sb.ToString());
                    expectItem = false;
                }
                else if (!expectItem && x.Text == ",")
                {
                    expectItem = true;
                }
                else
                {
                    return false;
                }
            }

            value = items;
            return true;
        }

        return false;
    }

    private static List<Token> Tokenize(string text, List<ConfigFileWarning> warnings)
    {
        var tokens = new List<Token>();
        var line = 1;
        var depth = 0;
        var atLineStart = true;
        var indented = false;
        var i = 0;
        try
        {
            TokenizeInto(text, tokens, ref line, ref depth, ref atLineStart, ref indented, ref i);
        }
        catch (FormatException ex)
        {
            // Keep every complete statement before the broken string; drop the partial one.
            warnings.Add(new ConfigFileWarning(ex.Data["line"] is int at ? at : line, ex.Message));
            var lastNewline = tokens.FindLastIndex(t => t.Kind == TokenKind.Newline);
            tokens.RemoveRange(lastNewline + 1, tokens.Count - lastNewline - 1);
            depth = 0;
        }

        if (depth > 0)
        {
            warnings.Add(new ConfigFileWarning(line, "unclosed bracket at end of file; the last statement is ignored"));
            var lastNewline = tokens.FindLastIndex(t => t.Kind == TokenKind.Newline);
            tokens.RemoveRange(lastNewline + 1, tokens.Count - lastNewline - 1);
        }

        tokens.Add(new Token(TokenKind.Newline, "\n", line));
        return tokens;
    }

    private static void TokenizeInto(string text, List<Token> tokens, ref int line, ref int depth, ref bool atLineStart, ref bool indented, ref int i)
    {
        while (i < text.Length)
        {
            var c = text[i];
            if (atLineStart)
            {
                var start = i;
                while (i < text.Length && (text[i] == ' ' || text[i] == '\t'))
                {
                    i++;
                }

                indented = i > start;
                atLineStart = false;
                continue;
            }

            if (c == '\n')
            {
                if (depth == 0)
                {
                    tokens.Add(new Token(TokenKind.Newline, "\n", line));
                    atLineStart = true;
                }

                line++;
                i++;
                continue;
            }

            if (c is ' ' or '\t' or '\r' or '\f')
            {
                i++;
                continue;
            }

            if (c == '#')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }

                continue;
            }

            if (c == '\\' && i + 1 < text.Length && (text[i + 1] == '\n' || (text[i + 1] == '\r' && i + 2 < text.Length && text[i + 2] == '\n')))
            {
                i += text[i + 1] == '\r' ? 3 : 2;
                line++;
                continue;
            }

            var isFirst = tokens.Count == 0 || tokens[^1].Kind == TokenKind.Newline;
            var tokenIndented = isFirst && indented;

            if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                var word = text[start..i];
                // String prefixes: r"", b"", f"", u"" and combinations.
                if (i < text.Length && (text[i] == '"' || text[i] == '\'') && word.Length <= 2 && word.All(ch => "rRbBuUfF".Contains(ch, StringComparison.Ordinal)))
                {
                    var startLine = line;
                    var s = ReadString(text, ref i, ref line, raw: word.Contains('r', StringComparison.OrdinalIgnoreCase));
                    var isF = word.Contains('f', StringComparison.OrdinalIgnoreCase);
                    var isB = word.Contains('b', StringComparison.OrdinalIgnoreCase);
                    tokens.Add(isF || isB
                        ? new Token(TokenKind.Other, word + "\"" + s + "\"", startLine, null, tokenIndented)
                        : new Token(TokenKind.String, s, startLine, s, tokenIndented));
                    continue;
                }

                tokens.Add(new Token(TokenKind.Name, word, line, null, tokenIndented));
                continue;
            }

            if (char.IsDigit(c) || (c == '.' && i + 1 < text.Length && char.IsDigit(text[i + 1])))
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '.' || ((text[i] is '+' or '-') && (text[i - 1] is 'e' or 'E') && !text[start..i].StartsWith("0x", StringComparison.OrdinalIgnoreCase))))
                {
                    i++;
                }

                var literal = text[start..i];
                tokens.Add(new Token(TokenKind.Number, literal, line, ParseNumber(literal), tokenIndented));
                if (tokens[^1].Value is null)
                {
                    tokens[^1] = tokens[^1] with { Kind = TokenKind.Other };
                }

                continue;
            }

            if (c is '"' or '\'')
            {
                var startLine = line;
                var s = ReadString(text, ref i, ref line, raw: false);
                tokens.Add(new Token(TokenKind.String, s, startLine, s, tokenIndented));
                continue;
            }

            if (c is '(' or '[' or '{')
            {
                depth++;
            }
            else if (c is ')' or ']' or '}')
            {
                depth = Math.Max(0, depth - 1);
            }

            // Two-character operators matter only so that "==" or "**" is not read as "=" or "*".
            var op = i + 1 < text.Length && IsTwoCharOperator(text.AsSpan(i, 2)) ? text.Substring(i, 2) : c.ToString();
            tokens.Add(new Token(TokenKind.Op, op, line, null, tokenIndented));
            i += op.Length;
        }
    }

    private static bool IsTwoCharOperator(ReadOnlySpan<char> s) =>
        s is "==" or "!=" or "<=" or ">=" or "**" or "//" or "+=" or "-=" or "*=" or "/=" or "->" or ":=" or "<<" or ">>";

    private static object? ParseNumber(string literal)
    {
        var clean = literal.Replace("_", string.Empty, StringComparison.Ordinal);
        if (clean.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && long.TryParse(clean.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            return hex;
        }

        if (clean.StartsWith("0o", StringComparison.OrdinalIgnoreCase))
        {
            // Convert.ToInt64(s, 8) throws ArgumentOutOfRangeException on "0o" alone and OverflowException on long
            // literals: the reader must never throw on content, so parse by hand.
            var digits = clean.AsSpan(2);
            if (digits.IsEmpty)
            {
                return null;
            }

            long octal = 0;
            foreach (var digit in digits)
            {
                if (digit is < '0' or > '7' || octal > (long.MaxValue >> 3))
                {
                    return null;
                }

                octal = (octal << 3) | (long)(digit - '0');
            }

            return octal;
        }

        if (long.TryParse(clean, NumberStyles.None, CultureInfo.InvariantCulture, out var integer))
        {
            return integer;
        }

        return double.TryParse(clean, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
    }

    private static string ReadString(string text, ref int i, ref int line, bool raw)
    {
        var quote = text[i];
        var triple = i + 2 < text.Length && text[i + 1] == quote && text[i + 2] == quote;
        var startLine = line;
        i += triple ? 3 : 1;
        var sb = new StringBuilder();
        while (true)
        {
            if (i >= text.Length)
            {
                var ex = new FormatException("unterminated string starting here; the rest of the file is ignored");
                ex.Data["line"] = startLine;
                throw ex;
            }

            var c = text[i];
            if (c == quote && (!triple || (i + 2 < text.Length && text[i + 1] == quote && text[i + 2] == quote)))
            {
                i += triple ? 3 : 1;
                return sb.ToString();
            }

            if (c == '\n')
            {
                if (!triple)
                {
                    var ex = new FormatException("unterminated string; the rest of the file is ignored");
                    ex.Data["line"] = startLine;
                    throw ex;
                }

                line++;
            }

            if (c == '\\' && !raw && i + 1 < text.Length)
            {
                var next = text[i + 1];
                i += 2;
                switch (next)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case '0': sb.Append('\0'); break;
                    case '\\': sb.Append('\\'); break;
                    case '\'': sb.Append('\''); break;
                    case '"': sb.Append('"'); break;
                    case '\n': line++; break; // line continuation inside a string
                    default: sb.Append('\\').Append(next); break;
                }

                continue;
            }

            sb.Append(c);
            i++;
        }
    }
}
