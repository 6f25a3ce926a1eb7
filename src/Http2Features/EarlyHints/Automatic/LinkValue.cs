namespace Http2Features.EarlyHints.Automatic;

/// <summary>Which of the link relations the pack replays a link value carries (a <c>rel</c> may list several).</summary>
[Flags]
internal enum HintRelations
{
    None = 0,
    Preload = 1,
    Preconnect = 2,
    ModulePreload = 4,
    DnsPrefetch = 8,

    /// <summary>The relations the pack learns.</summary>
    Learnable = Preload | Preconnect | ModulePreload,
}

/// <summary>
/// One RFC 8288 link-value as found in a <c>Link</c> field: the exact text (what is replayed), its target and
/// the relations that matter here. <see cref="Identity"/> decides duplicates: the same target with the same
/// <c>rel</c> and <c>as</c> is one hint however its parameters are quoted, cased or ordered.
/// </summary>
internal readonly record struct LinkValue(string Text, string Href, HintRelations Relations, string Identity)
{
    /// <summary><see langword="true"/> for <c>/path</c> (not <c>//host</c>): same origin whatever the request's host.</summary>
    public bool IsPathAbsolute => Href.Length > 0 && Href[0] == '/' && (Href.Length == 1 || Href[1] != '/');

    /// <summary><see langword="true"/> for <c>https://…</c>, <c>http://…</c> and <c>//host…</c>: another origin, as far as the pack can tell.</summary>
    public bool IsOtherOrigin =>
        Href.StartsWith("//", StringComparison.Ordinal)
        || Href.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
        || Href.StartsWith("http://", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Splits <c>Link</c> field values (RFC 8288 §3) into link-values. A value that does not parse is skipped,
/// never guessed at: only well-formed preload/preconnect/modulepreload links are ever replayed.
/// </summary>
internal static class LinkValueParser
{
    /// <summary>Adds every well-formed link-value of <paramref name="fieldValue"/> to <paramref name="into"/> (any relation).</summary>
    public static void Parse(string? fieldValue, List<LinkValue> into)
    {
        if (string.IsNullOrEmpty(fieldValue))
        {
            return;
        }

        var s = fieldValue.AsSpan();
        var i = 0;
        while (i < s.Length)
        {
            i = SkipWhitespaceAndCommas(s, i);
            if (i >= s.Length)
            {
                break;
            }

            var start = i;
            if (TryParseOne(fieldValue, ref i, out var link))
            {
                into.Add(link);
            }
            else
            {
                i = SkipToNextLinkValue(s, Math.Max(i, start + 1));
            }
        }
    }

    /// <summary>Parses the one link-value an <see cref="EarlyHintLink"/> formats to, or returns <see langword="null"/>.</summary>
    public static LinkValue? ParseSingle(string fieldValue)
    {
        var links = new List<LinkValue>(1);
        Parse(fieldValue, links);
        return links.Count == 1 ? links[0] : null;
    }

    private static bool TryParseOne(string text, ref int i, out LinkValue link)
    {
        link = default;
        var s = text.AsSpan();
        var start = i;
        if (s[i] != '<')
        {
            return false;
        }

        var close = s[(i + 1)..].IndexOf('>');
        if (close <= 0)
        {
            return false;
        }

        var href = text.Substring(i + 1, close);
        i += close + 2;
        string? rel = null;
        string? asValue = null;
        while (true)
        {
            i = SkipWhitespace(s, i);
            if (i >= s.Length || s[i] == ',')
            {
                break;
            }

            if (s[i] != ';')
            {
                return false;
            }

            i = SkipWhitespace(s, i + 1);
            var nameStart = i;
            while (i < s.Length && EarlyHintsFieldValidator.IsTokenChar(s[i]))
            {
                i++;
            }

            if (i == nameStart)
            {
                return false;
            }

            var name = s[nameStart..i];
            i = SkipWhitespace(s, i);
            string? value = null;
            if (i < s.Length && s[i] == '=')
            {
                i = SkipWhitespace(s, i + 1);
                if (!TryParseParameterValue(text, ref i, out value))
                {
                    return false;
                }
            }

            // RFC 8288 §3.3: occurrences of rel after the first are ignored.
            if (name.Equals("rel", StringComparison.OrdinalIgnoreCase))
            {
                rel ??= value ?? string.Empty;
            }
            else if (name.Equals("as", StringComparison.OrdinalIgnoreCase))
            {
                asValue ??= value;
            }
        }

        var relations = Relations(rel);
        var end = i;
        while (end > start && s[end - 1] is ' ' or '\t')
        {
            end--;
        }

        var identity = string.Concat(href, "\n", rel?.ToLowerInvariant(), "\n", asValue?.ToLowerInvariant());
        link = new LinkValue(text.Substring(start, end - start), href, relations, identity);
        return true;
    }

    private static bool TryParseParameterValue(string text, ref int i, out string? value)
    {
        var s = text.AsSpan();
        value = null;
        if (i < s.Length && s[i] == '"')
        {
            var builder = new System.Text.StringBuilder();
            i++;
            while (i < s.Length && s[i] != '"')
            {
                if (s[i] == '\\')
                {
                    i++;
                    if (i >= s.Length)
                    {
                        return false;
                    }
                }

                builder.Append(s[i]);
                i++;
            }

            if (i >= s.Length)
            {
                return false;
            }

            i++;
            value = builder.ToString();
            return true;
        }

        var start = i;
        while (i < s.Length && EarlyHintsFieldValidator.IsTokenChar(s[i]))
        {
            i++;
        }

        if (i == start)
        {
            return false;
        }

        value = text[start..i];
        return true;
    }

    private static HintRelations Relations(string? rel)
    {
        if (string.IsNullOrEmpty(rel))
        {
            return HintRelations.None;
        }

        var result = HintRelations.None;
        foreach (var range in rel.AsSpan().Split(' '))
        {
            var type = rel.AsSpan()[range].Trim('\t');
            if (type.Equals("preload", StringComparison.OrdinalIgnoreCase))
            {
                result |= HintRelations.Preload;
            }
            else if (type.Equals("preconnect", StringComparison.OrdinalIgnoreCase))
            {
                result |= HintRelations.Preconnect;
            }
            else if (type.Equals("modulepreload", StringComparison.OrdinalIgnoreCase))
            {
                result |= HintRelations.ModulePreload;
            }
            else if (type.Equals("dns-prefetch", StringComparison.OrdinalIgnoreCase))
            {
                result |= HintRelations.DnsPrefetch;
            }
        }

        return result;
    }

    // After a malformed or uninteresting link-value: resume after the next comma outside <...> and quotes.
    private static int SkipToNextLinkValue(ReadOnlySpan<char> s, int i)
    {
        var inQuotes = false;
        var inTarget = false;
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (inQuotes)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inQuotes = false;
                }
            }
            else if (inTarget)
            {
                inTarget = c != '>';
            }
            else if (c == '"')
            {
                inQuotes = true;
            }
            else if (c == '<')
            {
                inTarget = true;
            }
            else if (c == ',')
            {
                return i + 1;
            }
        }

        return s.Length;
    }

    private static int SkipWhitespace(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t')
        {
            i++;
        }

        return i;
    }

    private static int SkipWhitespaceAndCommas(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t' or ',')
        {
            i++;
        }

        return i;
    }
}
