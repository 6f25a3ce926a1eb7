using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Http2Features.Scheduling;

/// <summary>
/// Admission by urgency: each request takes a permit of the <see cref="UrgencyConcurrencyLimiter"/> before
/// the app runs and gives it back when the pipeline ends; a request without a permit gets 503 with
/// <c>Retry-After</c>. Runs on every protocol (the urgency comes from the <c>priority</c> header where there
/// are no HTTP/2 frames). Only in the pipeline when admission is enabled.
/// </summary>
internal sealed class PriorityAdmissionMiddleware(RequestDelegate next, UrgencyConcurrencyLimiter limiter, ILogger logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        RateLimitLease lease;
        try
        {
            lease = await limiter.AcquireAsync(context, 1, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // the client went away while waiting
        }

        using (lease)
        {
            if (!lease.IsAcquired)
            {
                Reject(context, lease);
                return;
            }

            await next(context);
        }
    }

    private void Reject(HttpContext context, RateLimitLease lease)
    {
        SchedulingLog.AdmissionRejected(logger, context.Request.Method, context.Request.Path.Value ?? "/", "the admission queue is full or the wait timed out");

        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        if (lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            context.Response.Headers[HeaderNames.RetryAfter] = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
    }
}
