using System.Globalization;
using Http2Features.Connection;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;

namespace Http2Features.Scheduling;

/// <summary>
/// Puts every HTTP/2 request on a seam connection under its connection's <see cref="ConnectionScheduler"/> (which
/// <see cref="SchedulingCapability"/> put on the connection's features):
/// the response body feature is wrapped for the length of the pipeline, the stream leaves the scheduler
/// when the pipeline ends or the stream is aborted. Only in the pipeline when scheduling is enabled.
/// </summary>
internal sealed class ResponseSchedulingMiddleware
{
    private readonly RequestDelegate _next;
    private readonly ResponseSchedulingOptions _options;
    private readonly ILogger _logger;

    public ResponseSchedulingMiddleware(RequestDelegate next, ResponseSchedulingOptions options, ILogger logger)
    {
        _next = next;
        _options = options;
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var features = context.Features;
        if (features.Get<IConnectionSeam>() is not { IsHttp2: true }
            || features.Get<ConnectionScheduler>() is not { } scheduler
            || features.Get<IHttp2StreamIdFeature>() is not { } streamId
            || features.Get<IHttpResponseBodyFeature>() is not { } body
            || HttpMethods.IsHead(context.Request.Method))
        {
            // HEAD bodies never become DATA frames: nothing to schedule.
            return _next(context);
        }

        if (scheduler.TryClaimSocketConfiguration())
        {
            ConfigureSocket(context);
        }

        return RunAsync(context, scheduler, body, streamId.StreamId);
    }

    private async Task RunAsync(HttpContext context, ConnectionScheduler scheduler, IHttpResponseBodyFeature body, int streamId)
    {
        var priority = context.GetStreamPriority();
        var stream = new ScheduledStream(scheduler, body, priority, EffectivePriority.HasHeader(context.Request), streamId);
        scheduler.Add(stream);
        priority.Changed += stream.OnPriorityChanged;
        var aborted = context.RequestAborted.UnsafeRegister(static s => ((ScheduledStream)s!).OnAborted(), stream);
        context.Features.Set<IHttpResponseBodyFeature>(stream);
        try
        {
            await _next(context);
        }
        finally
        {
            if (ReferenceEquals(context.Features.Get<IHttpResponseBodyFeature>(), stream))
            {
                context.Features.Set(body);
            }

            await aborted.DisposeAsync();
            priority.Changed -= stream.OnPriorityChanged;
            scheduler.End(stream);
        }
    }

    private void ConfigureSocket(HttpContext context)
    {
        var lowWatermark = _options.NotSentLowWatermark;
        string applied = "not set";
        if (lowWatermark > 0 && NotSentLowWatermark.IsSupported && context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
        {
            try
            {
                NotSentLowWatermark.Set(socket, lowWatermark);
                applied = lowWatermark.ToString(CultureInfo.InvariantCulture) + " bytes";
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or ObjectDisposedException or PlatformNotSupportedException)
            {
                SchedulingLog.LowWatermarkFailed(_logger, context.Connection.Id, ex);
            }
        }

        SchedulingLog.ConnectionStarted(_logger, context.Connection.Id, applied);
    }
}
