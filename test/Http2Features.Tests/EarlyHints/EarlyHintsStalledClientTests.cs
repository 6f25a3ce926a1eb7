using System.Net.Sockets;
using System.Text;
using FluentAssertions;
using Http2Features.EarlyHints;
using Http2Features.Tests.Connection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Http2Features.Tests.EarlyHints;

public class EarlyHintsStalledClientTests
{
    private static byte[] Request(int streamId, string path)
    {
        // HPACK: :method GET (static 2), :scheme http (static 6), :path and :authority as literals without indexing.
        var block = new List<byte> { 0x82, 0x86, 0x04, (byte)path.Length };
        block.AddRange(Encoding.ASCII.GetBytes(path));
        block.AddRange([0x01, 9]);
        block.AddRange("127.0.0.1"u8.ToArray());
        return TestFrames.Frame(0x1, 0x5, streamId, block.ToArray());
    }

    [Fact]
    public async Task Hint_to_a_client_that_stopped_reading_ends_with_Timeout_instead_of_hanging()
    {
        var host = new EarlyHintsTestHost();
        var bodyStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await host.StartAsync(
            o => o.WriteTimeout = TimeSpan.FromSeconds(1),
            tls: false,
            extra: a => a.MapGet("/flood", async (HttpContext context) =>
            {
                var chunk = new byte[64 * 1024];
                bodyStarted.TrySetResult();
                try
                {
                    for (var i = 0; i < 1024 && !context.RequestAborted.IsCancellationRequested; i++)
                    {
                        await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }));

        using var tcp = new TcpClient();
        tcp.ReceiveBufferSize = 16 * 1024;
        await tcp.ConnectAsync("127.0.0.1", app.BaseAddress.Port, TestContext.Current.CancellationToken);
        var socket = tcp.GetStream();
        // Preface, SETTINGS (INITIAL_WINDOW_SIZE = 2^31-1), a connection WINDOW_UPDATE: flow control never
        // stops Kestrel, only the socket does, because this client never reads.
        var preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();
        var settings = TestFrames.Frame(0x4, 0, 0, [0x00, 0x04, 0x7F, 0xFF, 0xFF, 0xFF]);
        var windowUpdate = TestFrames.Frame(0x8, 0, 0, [0x7F, 0xFF, 0x00, 0x00]);
        await socket.WriteAsync((byte[])[.. preface, .. settings, .. windowUpdate, .. Request(1, "/flood")], TestContext.Current.CancellationToken);
        await bodyStarted.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        await Task.Delay(500, TestContext.Current.CancellationToken); // let the socket buffers fill up

        await socket.WriteAsync(Request(3, "/hint"), TestContext.Current.CancellationToken);

        (await host.WaitForResultAsync("/hint", TimeSpan.FromSeconds(20))).Status.Should().Be(EarlyHintsStatus.Timeout);
    }
}
