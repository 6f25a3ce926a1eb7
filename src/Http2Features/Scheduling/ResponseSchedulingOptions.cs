using System.Globalization;

namespace Http2Features;

/// <summary>
/// Response scheduling on HTTP/2 connections (section <c>Http2Features:Priority:Scheduling</c>): a stream's body
/// writes wait while a stream of higher urgency on the same connection has data ready to send (RFC 9218
/// section 10). Off by default.
/// </summary>
public sealed class ResponseSchedulingOptions
{
    /// <summary>Turns scheduling on. Default <see langword="false"/>.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The longest one body write is held back; then it goes out whatever is ahead of it, so no stream
    /// starves. Default 1 s; range 1 ms .. 1 min.
    /// </summary>
    public TimeSpan MaxHoldBack { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A stream whose written data has not reached the transport for this long (the client's flow-control
    /// window is closed, or it reads slowly) stops holding other streams back until its data moves again.
    /// Default 250 ms; range 1 ms .. 1 min.
    /// </summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// A stream whose written data all reached the transport still counts as having data ready until its write
    /// returned to the app, and then for this long: the time its app takes to issue the next write. Without it a
    /// lower-urgency write slips in between every two writes of an urgent stream. A stream idle for longer (its
    /// app waits on something else) holds nobody back. Default 10 ms; range 1 ms .. 1 min.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// <c>TCP_NOTSENT_LOWAT</c> for connections the scheduler serves (Linux, socket transport): the kernel
    /// keeps at most about this many not-yet-sent bytes queued, so little low-urgency data waits in the
    /// socket ahead of an urgent response. 0 leaves the socket alone. Default 16 KiB; range 0 .. 16 MiB.
    /// </summary>
    public int NotSentLowWatermark { get; set; } = 16 * 1024;

    /// <summary>
    /// While scheduling is on, Kestrel's <c>Limits.MaxResponseBufferSize</c> and the socket transport's
    /// <c>MaxWriteBufferSize</c> (both 64 KiB by default) are lowered to this when the app left them at their
    /// defaults: both buffers sit below the scheduler, so what they hold of a download always goes out ahead of an
    /// urgent response. 0 leaves them alone. Default 16 KiB; range 0 .. 16 MiB.
    /// </summary>
    public int ResponseBufferSize { get; set; } = 16 * 1024;

    internal void Validate(List<string> failures)
    {
        if (ResponseBufferSize is < 0 or > 16 * 1024 * 1024)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"Http2Features:Priority:Scheduling:ResponseBufferSize must be between 0 and 16777216 bytes; got {ResponseBufferSize}."));
        }

        CheckTime(failures, nameof(MaxHoldBack), MaxHoldBack);
        CheckTime(failures, nameof(StallTimeout), StallTimeout);
        CheckTime(failures, nameof(IdleTimeout), IdleTimeout);
        if (NotSentLowWatermark is < 0 or > 16 * 1024 * 1024)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"Http2Features:Priority:Scheduling:NotSentLowWatermark must be between 0 and 16777216 bytes; got {NotSentLowWatermark}."));
        }
    }

    private static void CheckTime(List<string> failures, string name, TimeSpan value)
    {
        if (value < TimeSpan.FromMilliseconds(1) || value > TimeSpan.FromMinutes(1))
        {
            failures.Add($"Http2Features:Priority:Scheduling:{name} must be between 1 ms and 1 min; got {value.ToString("c", CultureInfo.InvariantCulture)}.");
        }
    }
}
