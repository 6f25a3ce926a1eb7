using System.IO.Pipelines;
using FluentAssertions;
using Http2Features.Connection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Http2Features.Tests.Connection;

/// <summary>
/// A seam pipe below Kestrel's TLS tells apart "TLS will install its transport above me" from "TLS finished and the HTTP
/// layer reads through a transport I never saw" by when the reads come, not by the bytes.
/// </summary>
public class SeamTransportLayerTests
{
    // The first bytes of a TLS ClientHello record: not HTTP, so the pipe carries ciphertext.
    private static readonly byte[] TlsRecord = [0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00];

    [Fact]
    public async Task A_read_after_the_handshake_with_nothing_installed_above_reports_the_hidden_transport_once()
    {
        var probe = new Probe { Tls = false };
        var (seam, input) = Create(probe);

        await ReadAsync(seam, input, TlsRecord);
        await ReadAsync(seam, input, [0x16]);
        probe.Reports.Should().Be(0, "the handshake is still under way");

        probe.Tls = true;
        await ReadAsync(seam, input, [0x17]);
        await ReadAsync(seam, input, [0x17]);

        probe.Reports.Should().Be(1);
        seam.Layer.IsApplication.Should().BeFalse();
    }

    [Fact]
    public async Task A_pipe_superseded_before_the_handshake_ends_never_reports()
    {
        var probe = new Probe { Tls = false };
        var (seam, input) = Create(probe);
        await ReadAsync(seam, input, TlsRecord);

        // What Kestrel's TLS does when it installs its transport on the seam's connection context.
        seam.Layer.Supersede();
        probe.Tls = true;
        await ReadAsync(seam, input, [0x17]);

        probe.Reports.Should().Be(0);
        probe.Queries.Should().Be(0, "a superseded pipe stops looking at once");
    }

    [Fact]
    public async Task Without_Kestrel_TLS_above_the_pipe_stops_looking_after_one_query()
    {
        var probe = new Probe { Tls = null };
        var (seam, input) = Create(probe);

        await ReadAsync(seam, input, TlsRecord);
        await ReadAsync(seam, input, [0x17]);
        await ReadAsync(seam, input, [0x17]);

        probe.Queries.Should().Be(1);
        probe.Reports.Should().Be(0);
    }

    [Fact]
    public async Task A_pipe_that_carries_HTTP_itself_never_asks()
    {
        var probe = new Probe { Tls = true };
        var (seam, input) = Create(probe);

        await ReadAsync(seam, input, "GET / HTTP/1.1\r\n"u8.ToArray());
        await ReadAsync(seam, input, "Host: a\r\n\r\n"u8.ToArray());

        probe.Queries.Should().Be(0);
        seam.Layer.IsApplication.Should().BeTrue();
    }

    private static async Task ReadAsync(SeamDuplexPipe seam, Pipe input, byte[] bytes)
    {
        await input.Writer.WriteAsync(bytes, TestContext.Current.CancellationToken);
        var read = await seam.Input.ReadAsync(TestContext.Current.CancellationToken);
        seam.Input.AdvanceTo(read.Buffer.End);
    }

    private static (SeamDuplexPipe Seam, Pipe Input) Create(Probe probe)
    {
        var input = new Pipe();
        var output = new Pipe();
        return (SeamDuplexPipe.ForUnknownTransport(new TestDuplexPipe(input.Reader, output.Writer), new ConnectionSeamState(), NullLogger.Instance, probe), input);
    }

    private sealed class Probe : ITlsAboveProbe
    {
        public bool? Tls { get; set; }

        public int Queries { get; private set; }

        public int Reports { get; private set; }

        public bool? IsTlsEstablished
        {
            get
            {
                Queries++;
                return Tls;
            }
        }

        public void OnTransportHidden() => Reports++;
    }
}
