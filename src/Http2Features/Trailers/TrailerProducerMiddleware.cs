using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.DependencyInjection;
using System.Collections.Concurrent;

namespace Http2Features.Trailers;

/// <summary>
/// The one place the ready-made producers run: around the rest of the pipeline (the middleware forms) or around an
/// endpoint's own request delegate (endpoint metadata). The endpoint writes its result exactly as it would without
/// the producers; they only watch the body pass and add trailers when it is done.
/// </summary>
internal static class TrailerProducerRunner
{
    /// <param name="context">The request.</param>
    /// <param name="next">What the producers run around.</param>
    /// <param name="set">The producers.</param>
    /// <param name="services">The pack's trailers services, resolved once by the caller (null: from <c>RequestServices</c>).</param>
    public static Task RunAsync(HttpContext context, RequestDelegate next, TrailerProducerSet set, TrailersServices? services = null)
    {
        var state = TrailerProducerState.Begin(context, set, services, out var owner);
        if (state is null)
        {
            return next(context);
        }

        Task task;
        try
        {
            task = next(context);
        }
#pragma warning disable CA1031 // Not swallowed: handed to the awaiting path, which filters and rethrows as before.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            task = Task.FromException(ex);
        }

        // A handler that completed synchronously (a small body into the server's buffer): no state machine.
        if (task.IsCompletedSuccessfully)
        {
            if (!owner)
            {
                return Task.CompletedTask;
            }

            var finish = state.FinishAsync(produce: true);
            return finish.IsCompletedSuccessfully ? Task.CompletedTask : finish.AsTask();
        }

        return AwaitAsync(task, context, state, owner);
    }

    private static async Task AwaitAsync(Task task, HttpContext context, TrailerProducerState state, bool owner)
    {
        var produce = false;
        try
        {
            await task;
            produce = true;
        }
        catch (Exception ex) when (state.GrpcStatus && HandleGrpcException(context, state, ex))
        {
            produce = true;
        }
        finally
        {
            if (owner)
            {
                await state.FinishAsync(produce);
            }
        }
    }

    /// <summary>The producers the endpoint's metadata names, merged (none: <see langword="default"/>).</summary>
    public static TrailerProducerSet FromMetadata(EndpointMetadataCollection? metadata)
    {
        var set = default(TrailerProducerSet);
        if (metadata is null)
        {
            return set;
        }

        foreach (var item in metadata.GetOrderedMetadata<ITrailerProducerMetadata>())
        {
            set = new TrailerProducerSet(set.Checksums | item.Checksums, set.ServerTiming || item.ServerTiming, set.GrpcStatus || item.GrpcStatus);
        }

        return set;
    }

    /// <summary>
    /// gRPC reports a failed call in grpc-status, not by resetting the stream or a 500 (as grpc-dotnet does): log it,
    /// answer HTTP 200 if nothing was sent yet, and send UNKNOWN.
    /// </summary>
    public static bool HandleGrpcException(HttpContext context, TrailerProducerState state, Exception exception)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            return false; // the client left; nothing to report to it
        }

        state.MarkHandlerFailed();
        var response = context.Response;
        if (!response.HasStarted)
        {
            // gRPC clients read any non-200 as a transport failure, not as the call's status.
            response.StatusCode = StatusCodes.Status200OK;
            if (context.Request.ContentType is { } requestType && requestType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
            {
                response.ContentType = "application/grpc";
            }
        }

        var logger = context.RequestServices?.GetService<TrailersServices>()?.Logger ?? TrailersServices.Default.Logger;
        TrailersLog.GrpcHandlerException(logger, (int)GrpcStatusCode.Unknown, exception);
        return true;
    }
}

/// <summary>
/// Runs the producers named by endpoint metadata (<c>.WithChecksumTrailers()</c>, <see cref="ResponseTrailersAttribute"/>)
/// without a middleware the app must place: when routing picks such an endpoint, this policy swaps in the same endpoint
/// (same metadata, same route) whose request delegate is wrapped by <see cref="TrailerProducerRunner"/>. Routing only
/// consults it for route trees that contain such endpoints, so other requests pay nothing.
/// </summary>
internal sealed class TrailerProducerMatcherPolicy(TrailersServices services) : MatcherPolicy, IEndpointSelectorPolicy
{
    private readonly ConcurrentDictionary<Endpoint, Endpoint> _wrapped = new();

    // After the built-in policies (HTTP method, host, dynamic endpoints) have settled the candidates.
    public override int Order => 10_000;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        foreach (var endpoint in endpoints)
        {
            if (endpoint.Metadata.GetMetadata<ITrailerProducerMetadata>() is not null)
            {
                return true;
            }
        }

        return false;
    }

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        for (var i = 0; i < candidates.Count; i++)
        {
            if (!candidates.IsValidCandidate(i))
            {
                continue;
            }

            ref var candidate = ref candidates[i];
            var endpoint = candidate.Endpoint;
            if (endpoint.RequestDelegate is not null && endpoint.Metadata.GetMetadata<ITrailerProducerMetadata>() is not null)
            {
                candidates.ReplaceEndpoint(i, _wrapped.GetOrAdd(endpoint, Wrap, services), candidate.Values);
            }
        }

        return Task.CompletedTask;
    }

    private static Endpoint Wrap(Endpoint endpoint, TrailersServices services)
    {
        var inner = endpoint.RequestDelegate!;
        var set = TrailerProducerRunner.FromMetadata(endpoint.Metadata);
        RequestDelegate wrapped = set == default ? inner : context => TrailerProducerRunner.RunAsync(context, inner, set, services);
        return endpoint is RouteEndpoint route
            ? new RouteEndpoint(wrapped, route.RoutePattern, route.Order, route.Metadata, route.DisplayName)
            : new Endpoint(wrapped, endpoint.Metadata, endpoint.DisplayName);
    }
}
