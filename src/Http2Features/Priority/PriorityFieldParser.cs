using System.Text;

namespace Http2Features.Priority;

/// <summary>
/// Parses an RFC 9218 priority field value (the <c>priority</c> header or a PRIORITY_UPDATE payload), an
/// RFC 8941 structured-field dictionary. A value that is not a valid dictionary is ignored as a whole;
/// inside a valid one, <c>u</c> that is not an integer 0–7 and <c>i</c> that is not a boolean are ignored
/// (their defaults apply), unknown members are ignored, and the last of duplicate members wins
/// (RFC 9218 section 4, RFC 8941 section 4.2).
/// </summary>
internal static class PriorityFieldParser
{
    internal const int DefaultUrgency = 3;

    /// <summary>Parses <paramref name="value"/>; false when it is not a structured-field dictionary.</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out int urgency, out bool incremental)
    {
        if (TryParseCore(value, out urgency, out incremental))
        {
            return true;
        }

        // An invalid field is ignored as a whole: nothing from it applies.
        urgency = DefaultUrgency;
        incremental = false;
        return false;
    }

    private static bool TryParseCore(ReadOnlySpan<char> value, out int urgency, out bool incremental)
    {
        urgency = DefaultUrgency;
        incremental = false;
        var p = new Cursor(value);
        p.SkipSp();
        if (p.End)
        {
            return true;
        }

        while (true)
        {
            if (!p.TryKey(out var key))
            {
                return false;
            }

            Item item;
            if (p.Peek('='))
            {
                p.Advance();
                if (p.Peek('('))
                {
                    if (!p.TrySkipInnerList())
                    {
                        return false;
                    }

                    item = default; // inner lists are neither integers nor booleans
                }
                else if (!p.TryBareItem(out item))
                {
                    return false;
                }
            }
            else
            {
                item = new Item(ItemKind.Boolean, 1);
            }

            if (!p.TrySkipParameters())
            {
                return false;
            }

            if (key.SequenceEqual("u"))
            {
                // A later invalid "u" still replaces an earlier valid one in the dictionary: it then
                // counts as absent, so the default applies.
                urgency = item.Kind == ItemKind.Integer && item.Value is >= 0 and <= 7 ? (int)item.Value : DefaultUrgency;
            }
            else if (key.SequenceEqual("i"))
            {
                incremental = item.Kind == ItemKind.Boolean && item.Value == 1;
            }

            p.SkipOws();
            if (p.End)
            {
                return true;
            }

            if (!p.Peek(','))
            {
                return false;
            }

            p.Advance();
            p.SkipOws();
            if (p.End)
            {
                return false; // trailing comma
            }
        }
    }

    /// <summary>Parses a PRIORITY_UPDATE field value (ASCII bytes).</summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out int urgency, out bool incremental)
    {
        Span<char> chars = stackalloc char[Math.Min(value.Length, 512)];
        if (value.Length > chars.Length)
        {
            urgency = DefaultUrgency;
            incremental = false;
            return false;
        }

        var n = Encoding.Latin1.GetChars(value, chars);
        return TryParse(chars[..n], out urgency, out incremental);
    }

    private enum ItemKind : byte
    {
        Other,
        Integer,
        Boolean,
    }

    private readonly record struct Item(ItemKind Kind, long Value);

    private ref struct Cursor
    {
        private readonly ReadOnlySpan<char> _s;
        private int _i;

        public Cursor(ReadOnlySpan<char> s)
        {
            _s = s;
            _i = 0;

            // Trailing SP of the whole field is insignificant.
            while (_s.Length > 0 && _s[^1] == ' ')
            {
                _s = _s[..^1];
            }
        }

        public readonly bool End => _i >= _s.Length;

        public readonly bool Peek(char c) => _i < _s.Length && _s[_i] == c;

        public void Advance() => _i++;

        public void SkipSp()
        {
            while (_i < _s.Length && _s[_i] == ' ')
            {
                _i++;
            }
        }

        public void SkipOws()
        {
            while (_i < _s.Length && (_s[_i] == ' ' || _s[_i] == '\t'))
            {
                _i++;
            }
        }

        public bool TryKey(out ReadOnlySpan<char> key)
        {
            key = default;
            if (_i >= _s.Length || !(IsLcAlpha(_s[_i]) || _s[_i] == '*'))
            {
                return false;
            }

            var start = _i++;
            while (_i < _s.Length && (IsLcAlpha(_s[_i]) || char.IsAsciiDigit(_s[_i]) || _s[_i] is '_' or '-' or '.' or '*'))
            {
                _i++;
            }

            key = _s[start.._i];
            return true;
        }

        public bool TrySkipParameters()
        {
            while (Peek(';'))
            {
                _i++;
                SkipSp();
                if (!TryKey(out _))
                {
                    return false;
                }

                if (Peek('='))
                {
                    _i++;
                    if (!TryBareItem(out _))
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        public bool TrySkipInnerList()
        {
            _i++; // '('
            while (true)
            {
                SkipSp();
                if (Peek(')'))
                {
                    _i++;
                    return TrySkipParameters();
                }

                if (!TryBareItem(out _) || !TrySkipParameters())
                {
                    return false;
                }

                if (!(Peek(' ') || Peek(')')))
                {
                    return false;
                }
            }
        }

        public bool TryBareItem(out Item item)
        {
            item = default;
            if (_i >= _s.Length)
            {
                return false;
            }

            var c = _s[_i];
            if (c == '-' || char.IsAsciiDigit(c))
            {
                return TryNumber(out item);
            }

            if (c == '"')
            {
                return TryString();
            }

            if (c == '?')
            {
                if (_i + 1 < _s.Length && _s[_i + 1] is '0' or '1')
                {
                    item = new Item(ItemKind.Boolean, _s[_i + 1] == '1' ? 1 : 0);
                    _i += 2;
                    return true;
                }

                return false;
            }

            if (c == ':')
            {
                return TryByteSequence();
            }

            if (c == '@')
            {
                // RFC 9651 date: "@" integer.
                _i++;
                return TryNumber(out var date) && date.Kind == ItemKind.Integer;
            }

            if (char.IsAsciiLetter(c) || c == '*')
            {
                _i++;
                while (_i < _s.Length && (IsTChar(_s[_i]) || _s[_i] is ':' or '/'))
                {
                    _i++;
                }

                return true;
            }

            return false;
        }

        private bool TryNumber(out Item item)
        {
            item = default;
            var negative = false;
            if (Peek('-'))
            {
                negative = true;
                _i++;
            }

            if (_i >= _s.Length || !char.IsAsciiDigit(_s[_i]))
            {
                return false;
            }

            long value = 0;
            var digits = 0;
            while (_i < _s.Length && char.IsAsciiDigit(_s[_i]))
            {
                if (++digits > 15)
                {
                    return false;
                }

                value = (value * 10) + (_s[_i++] - '0');
            }

            if (!Peek('.'))
            {
                item = new Item(ItemKind.Integer, negative ? -value : value);
                return true;
            }

            // Decimal: at most 12 integer digits and 1-3 fraction digits.
            if (digits > 12)
            {
                return false;
            }

            _i++;
            var fraction = 0;
            while (_i < _s.Length && char.IsAsciiDigit(_s[_i]))
            {
                if (++fraction > 3)
                {
                    return false;
                }

                _i++;
            }

            if (fraction == 0)
            {
                return false;
            }

            item = new Item(ItemKind.Other, 0);
            return true;
        }

        private bool TryString()
        {
            _i++;
            while (_i < _s.Length)
            {
                var c = _s[_i++];
                if (c == '"')
                {
                    return true;
                }

                if (c == '\\')
                {
                    if (_i >= _s.Length || _s[_i] is not ('"' or '\\'))
                    {
                        return false;
                    }

                    _i++;
                }
                else if (c < 0x20 || c > 0x7E)
                {
                    return false;
                }
            }

            return false;
        }

        private bool TryByteSequence()
        {
            _i++;
            while (_i < _s.Length)
            {
                var c = _s[_i++];
                if (c == ':')
                {
                    return true;
                }

                if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '='))
                {
                    return false;
                }
            }

            return false;
        }

        private static bool IsLcAlpha(char c) => c is >= 'a' and <= 'z';

        private static bool IsTChar(char c) =>
            char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
    }
}
