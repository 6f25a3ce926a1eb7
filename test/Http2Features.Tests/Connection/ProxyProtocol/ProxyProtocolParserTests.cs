using System.Net;
using System.Text;
using FluentAssertions;
using Http2Features.Connection.ProxyProtocol;

namespace Http2Features.Tests.Connection.ProxyProtocol;

/// <summary>The PROXY header parser against the specification's examples and its edge cases.</summary>
public class ProxyProtocolParserTests
{
    private static readonly IPEndPoint Client4 = new(IPAddress.Parse("203.0.113.7"), 56324);
    private static readonly IPEndPoint Proxy4 = new(IPAddress.Parse("198.51.100.1"), 443);
    private static readonly IPEndPoint Client6 = new(IPAddress.Parse("2001:db8::7"), 40000);
    private static readonly IPEndPoint Proxy6 = new(IPAddress.Parse("2001:db8::1"), 8443);

    private static ProxyParseResult Parse(byte[] bytes, ProxyProtocolMode mode = ProxyProtocolMode.Auto, int max = ProxyProtocolParser.V2MaxLength)
        => ProxyProtocolParser.Parse(bytes, mode, max);

    private static ProxyParseResult Parse(string text, ProxyProtocolMode mode = ProxyProtocolMode.Auto) => Parse(Encoding.ASCII.GetBytes(text), mode);

    [Theory]
    [InlineData(ProxyProtocolMode.Auto)]
    [InlineData(ProxyProtocolMode.V1)]
    public void V1_TCP4_line_gives_client_and_destination_and_consumes_exactly_the_line(ProxyProtocolMode mode)
    {
        var header = ProxyHeaderBytes.V1(Client4, Proxy4);
        var result = Parse([.. header, .. "\x16\x03\x01"u8.ToArray()], mode);

        result.Status.Should().Be(ProxyParseStatus.Complete);
        result.Consumed.Should().Be(header.Length);
        result.Header.Version.Should().Be(ProxyHeaderVersion.V1);
        result.Header.Source.Should().Be(Client4);
        result.Header.Destination.Should().Be(Proxy4);
    }

    [Fact]
    public void V1_TCP6_line_gives_IPv6_addresses()
    {
        var result = Parse(ProxyHeaderBytes.V1(Client6, Proxy6));

        result.Status.Should().Be(ProxyParseStatus.Complete);
        result.Header.Source.Should().Be(Client6);
        result.Header.Destination.Should().Be(Proxy6);
    }

    [Theory]
    [InlineData("PROXY UNKNOWN\r\n")]
    [InlineData("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n")]
    [InlineData("PROXY UNKNOWN anything at all, ignored by the specification\r\n")]
    public void V1_UNKNOWN_is_complete_without_addresses(string line)
    {
        var result = Parse(line);

        result.Status.Should().Be(ProxyParseStatus.Complete);
        result.Consumed.Should().Be(line.Length);
        result.Header.Source.Should().BeNull();
    }

    [Fact]
    public void The_longest_v1_line_of_107_bytes_is_accepted()
    {
        var line = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
        line.Length.Should().Be(104);
        Parse(line).Status.Should().Be(ProxyParseStatus.Complete);
        var unknown = "PROXY UNKNOWN " + new string('x', 107 - 16) + "\r\n";
        unknown.Length.Should().Be(107);
        Parse(unknown).Status.Should().Be(ProxyParseStatus.Complete);
    }

    [Fact]
    public void A_v1_line_without_CRLF_in_107_bytes_is_too_large()
    {
        var result = Parse("PROXY UNKNOWN " + new string('x', 200));

        result.Status.Should().Be(ProxyParseStatus.Invalid);
        result.ErrorType.Should().Be("too_large");
    }

    [Theory]
    [InlineData("PROXY TCP4 203.0.113.7 198.51.100.1 56324\r\n", "4 fields")]
    [InlineData("PROXY TCP4 203.0.113.7 198.51.100.1 56324 443 1\r\n", "7 fields")]
    [InlineData("PROXY TCP4  203.0.113.7 198.51.100.1 56324 443\r\n", "double space")]
    [InlineData("PROXY TCP5 203.0.113.7 198.51.100.1 56324 443\r\n", "unknown protocol")]
    [InlineData("PROXY TCP4 2001:db8::7 198.51.100.1 56324 443\r\n", "IPv6 under TCP4")]
    [InlineData("PROXY TCP6 203.0.113.7 2001:db8::1 56324 443\r\n", "IPv4 under TCP6")]
    [InlineData("PROXY TCP4 1 198.51.100.1 56324 443\r\n", "inet_aton short form")]
    [InlineData("PROXY TCP4 0x7f.0.0.1 198.51.100.1 56324 443\r\n", "hex octet")]
    [InlineData("PROXY TCP4 256.0.0.1 198.51.100.1 56324 443\r\n", "octet over 255")]
    [InlineData("PROXY TCP4 203.0.113.7 198.51.100.1 65536 443\r\n", "port over 65535")]
    [InlineData("PROXY TCP4 203.0.113.7 198.51.100.1 056324 443\r\n", "leading zero port")]
    [InlineData("PROXY TCP4 203.0.113.7 198.51.100.1 -1 443\r\n", "negative port")]
    [InlineData("PROXY TCP6 fe80::1%eth0 2001:db8::1 1 2\r\n", "scope id")]
    [InlineData("PROXY TCP4 203.0.113.7 198.51.100.1 56324 443\n", "bare LF")]
    [InlineData("PROXY TCP4 203.0.113.7\0198.51.100.1 56324 443\r\n", "NUL")]
    [InlineData("PROXY \r\n", "too short")]
    [InlineData("PROXY UNKNOWNX\r\n", "UNKNOWN prefix")]
    public void Malformed_v1_lines_are_invalid(string line, string because)
    {
        var result = Parse(line);

        result.Status.Should().Be(ProxyParseStatus.Invalid, because);
        result.Error.Should().NotBeNullOrEmpty();
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    [InlineData("\x16\x03\x01\x02\x00\x01")]
    [InlineData("POST / HTTP/1.1\r\n")]
    [InlineData("PROXI")]
    public void Anything_else_is_a_missing_header_decided_on_the_first_differing_byte(string start)
    {
        var result = Parse(start);

        result.Status.Should().Be(ProxyParseStatus.NotProxy);
        result.ErrorType.Should().Be("missing");
    }

    [Fact]
    public void Version_restricted_modes_treat_the_other_version_as_missing()
    {
        Parse(ProxyHeaderBytes.V2(Client4, Proxy4), ProxyProtocolMode.V1).Status.Should().Be(ProxyParseStatus.NotProxy);
        Parse(ProxyHeaderBytes.V1(Client4, Proxy4), ProxyProtocolMode.V2).Status.Should().Be(ProxyParseStatus.NotProxy);
    }

    [Fact]
    public void Every_proper_prefix_of_a_valid_header_is_incomplete()
    {
        foreach (var header in new[] { ProxyHeaderBytes.V1(Client6, Proxy6), ProxyHeaderBytes.V2(Client6, Proxy6, (0x01, "h2"u8.ToArray())) })
        {
            for (var n = 0; n < header.Length; n++)
            {
                Parse(header[..n]).Status.Should().Be(ProxyParseStatus.Incomplete, $"{n} of {header.Length} bytes");
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void V2_PROXY_gives_addresses_and_skips_TLVs(bool ipv6)
    {
        var (client, proxy) = ipv6 ? (Client6, Proxy6) : (Client4, Proxy4);
        var header = ProxyHeaderBytes.V2(client, proxy, (0x01, "h2"u8.ToArray()), (0x02, "example.com"u8.ToArray()), (0x04, []), (0xEE, new byte[300]));
        var result = Parse([.. header, .. "PRI * HTTP/2.0"u8.ToArray()]);

        result.Status.Should().Be(ProxyParseStatus.Complete);
        result.Consumed.Should().Be(header.Length);
        result.Header.Version.Should().Be(ProxyHeaderVersion.V2);
        result.Header.IsLocal.Should().BeFalse();
        result.Header.Source.Should().Be(client);
        result.Header.Destination.Should().Be(proxy);
    }

    [Fact]
    public void V2_LOCAL_is_complete_without_addresses_even_with_an_address_block()
    {
        var local = Parse(ProxyHeaderBytes.V2Local());
        local.Status.Should().Be(ProxyParseStatus.Complete);
        local.Header.IsLocal.Should().BeTrue();
        local.Header.Source.Should().BeNull();

        var withAddresses = ProxyHeaderBytes.V2(Client4, Proxy4);
        withAddresses[12] = 0x20;
        var result = Parse(withAddresses);
        result.Status.Should().Be(ProxyParseStatus.Complete);
        result.Header.IsLocal.Should().BeTrue();
        result.Header.Source.Should().BeNull();
    }

    [Fact]
    public void V2_UNSPEC_and_UNIX_families_keep_the_connections_addresses()
    {
        Parse(ProxyHeaderBytes.V2Raw(0x21, 0x00, [])).Header.Source.Should().BeNull();
        var unix = ProxyHeaderBytes.V2Raw(0x21, 0x31, new byte[216]);
        var result = Parse(unix);
        result.Status.Should().Be(ProxyParseStatus.Complete);
        result.Header.Source.Should().BeNull();
    }

    [Theory]
    [InlineData(0x11, 0x11, 12, "version 1 in a v2 header")]
    [InlineData(0x31, 0x11, 12, "version 3")]
    [InlineData(0x22, 0x11, 12, "command 2")]
    [InlineData(0x21, 0x12, 12, "DGRAM over TCP")]
    [InlineData(0x21, 0x41, 12, "family 4")]
    [InlineData(0x21, 0x13, 12, "transport 3")]
    [InlineData(0x21, 0x11, 11, "IPv4 block too short")]
    [InlineData(0x21, 0x21, 35, "IPv6 block too short")]
    [InlineData(0x21, 0x31, 215, "UNIX block too short")]
    public void Malformed_v2_headers_are_invalid(byte versionCommand, byte familyProtocol, int bodyLength, string because)
    {
        var result = Parse(ProxyHeaderBytes.V2Raw(versionCommand, familyProtocol, new byte[bodyLength]));

        result.Status.Should().Be(ProxyParseStatus.Invalid, because);
    }

    [Fact]
    public void A_wrong_v2_version_is_rejected_before_the_length_arrives()
    {
        var header = ProxyHeaderBytes.V2(Client4, Proxy4);
        header[12] = 0x11;

        Parse(header[..13]).Status.Should().Be(ProxyParseStatus.Invalid);
    }

    [Fact]
    public void A_TLV_that_runs_past_the_header_is_invalid()
    {
        var header = ProxyHeaderBytes.V2(Client4, Proxy4, (0x01, "h2"u8.ToArray()));
        header[^3] = 0x00;
        header[^2] = 0x09; // the ALPN TLV now claims 9 bytes, 2 are there

        Parse(header).Status.Should().Be(ProxyParseStatus.Invalid);
        Parse(ProxyHeaderBytes.V2Raw(0x21, 0x11, [.. new byte[12], 0x01, 0x00])).Status.Should().Be(ProxyParseStatus.Invalid, "a TLV cut inside its type/length");
    }

    [Fact]
    public void A_v2_header_over_the_configured_maximum_is_too_large_as_soon_as_its_length_is_known()
    {
        var header = ProxyHeaderBytes.V2(Client4, Proxy4, (0xEE, new byte[5000]));

        var result = ProxyProtocolParser.Parse(header.AsSpan(0, 16), ProxyProtocolMode.Auto, 4096);

        result.Status.Should().Be(ProxyParseStatus.Invalid);
        result.ErrorType.Should().Be("too_large");
        ProxyProtocolParser.Parse(header, ProxyProtocolMode.Auto, ProxyProtocolParser.V2MaxLength).Status.Should().Be(ProxyParseStatus.Complete);
    }
}
