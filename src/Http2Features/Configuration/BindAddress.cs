using System.Globalization;
using System.Net;

namespace Http2Features.Configuration;

/// <summary>What a gunicorn <c>bind</c> entry listens on.</summary>
internal enum BindKind
{
    Ip,
    Localhost,
    UnixSocket,
}

/// <summary>One parsed <c>bind</c> entry (gunicorn's <c>HOST:PORT</c>, <c>[IPv6]:PORT</c> or <c>unix:PATH</c>).</summary>
internal sealed record BindAddress(string Original, BindKind Kind, IPAddress? Address, int Port, string? UnixPath)
{
    /// <summary>gunicorn's port when a bind entry names none.</summary>
    public const int GunicornDefaultPort = 8000;

    public override string ToString() => Kind switch
    {
        BindKind.UnixSocket => "unix:" + UnixPath,
        BindKind.Localhost => "localhost:" + Port.ToString(CultureInfo.InvariantCulture),
        _ => Address!.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? "[" + Address + "]:" + Port.ToString(CultureInfo.InvariantCulture)
            : Address + ":" + Port.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Parses a bind entry the way gunicorn's <c>util.parse_address</c> does.</summary>
    /// <returns>The address, or null with <paramref name="error"/> saying what is allowed.</returns>
    public static BindAddress? TryParse(string value, out string? error)
    {
        error = null;
        var text = value.Trim();
        if (text.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
        {
            var path = text.StartsWith("unix://", StringComparison.OrdinalIgnoreCase) ? text[7..] : text[5..];
            if (path.Length == 0)
            {
                error = "unix: needs a socket path, for example unix:/run/app.sock";
                return null;
            }

            if (path.Contains('\0', StringComparison.Ordinal))
            {
                error = "the socket path contains a NUL character (the kernel would cut the path there)";
                return null;
            }

            return new BindAddress(value, BindKind.UnixSocket, null, 0, path);
        }

        if (text.StartsWith("fd://", StringComparison.OrdinalIgnoreCase))
        {
            error = "fd:// (an inherited socket) is not supported; use systemd socket activation (UseSystemd) or a HOST:PORT bind";
            return null;
        }

        if (text.Any(char.IsWhiteSpace))
        {
            error = "an address has no spaces; give each address as its own -b flag or list entry, for example -b 127.0.0.1:8443 -b [::1]:8443";
            return null;
        }

        if (text.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
        {
            text = text[6..];
        }

        string host;
        string? portText;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = "an IPv6 address needs a closing ']', for example [::]:8443";
                return null;
            }

            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0 && rest[0] != ':')
            {
                error = "expected ':PORT' after the IPv6 address, for example [::1]:8443";
                return null;
            }

            portText = rest.Length > 0 ? rest[1..] : null;
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon >= 0 && text.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                error = "an IPv6 address must be in brackets, for example [::]:8443";
                return null;
            }

            host = colon < 0 ? text : text[..colon];
            portText = colon < 0 ? null : text[(colon + 1)..];
        }

        var port = GunicornDefaultPort;
        if (portText is not null && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535))
        {
            error = "the port must be a number 0..65535 (0 = any free port)";
            return null;
        }

        if (host.Length == 0)
        {
            host = "0.0.0.0"; // gunicorn: ":8000" listens on every IPv4 address
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            if (port == 0)
            {
                error = "Kestrel cannot bind localhost to port 0 (it listens on both 127.0.0.1 and ::1); use 127.0.0.1:0";
                return null;
            }

            return new BindAddress(value, BindKind.Localhost, null, port, null);
        }

        if (!IPAddress.TryParse(host, out var address))
        {
            error = "the host must be an IP address, localhost, [IPv6] or unix:PATH (Kestrel listens on addresses, not host names)";
            return null;
        }

        return new BindAddress(value, BindKind.Ip, address, port, null);
    }
}
