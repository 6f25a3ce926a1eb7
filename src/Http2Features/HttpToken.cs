using System.Runtime.CompilerServices;

namespace Http2Features;

/// <summary>
/// RFC 9110 section 5.6.2: <c>token = 1*tchar</c>. The one check for field names, parameter names and methods, shared by
/// the trailer and early-hints validators and the connection seam's method sniffing.
/// </summary>
internal static class HttpToken
{
    /// <summary>Whether <paramref name="value"/> is a non-empty token.</summary>
    public static bool Is(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!IsChar(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A <c>tchar</c>: ALPHA, DIGIT or one of <c>!#$%&amp;'*+-.^_`|~</c>.</summary>
    public static bool IsChar(char c) => c < 0x80 && IsChar((byte)c);

    /// <inheritdoc cref="IsChar(char)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // the seam's per-byte method sniffing calls it
    public static bool IsChar(byte b) =>
        b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
            or (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*' or (byte)'+'
            or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~';
}
