using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Http2Features.Trailers;

/// <summary>
/// Runs the ready-made producers around a route handler. A handler's return value is written to the body only
/// after the filter chain returns, so the filter hands back a result that executes the real one and then adds
/// the trailers.
/// </summary>
internal sealed class TrailerProducerEndpointFilter : IEndpointFilter
{
    private readonly TrailerProducerSet _set;

    public TrailerProducerEndpointFilter(TrailerProducerSet set) => _set = set;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var httpContext = context.HttpContext;
        var state = TrailerProducerState.Begin(httpContext, _set, out var owner);
        if (state is null)
        {
            return await next(context);
        }

        object? result;
        try
        {
            result = await next(context);
        }
        catch (Exception ex) when (state.GrpcStatus && TrailerProducerRunner.HandleGrpcException(httpContext, state, ex))
        {
            result = null;
        }
        catch
        {
            if (owner)
            {
                state.Finish(produce: false);
            }

            throw;
        }

        return owner ? new TrailerProducingResult(result, state) : result;
    }
}

/// <summary>Executes the handler's result like minimal APIs would, then adds the producers' trailers.</summary>
internal sealed class TrailerProducingResult : IResult
{
    private readonly object? _inner;
    private readonly TrailerProducerState _state;

    public TrailerProducingResult(object? inner, TrailerProducerState state)
    {
        _inner = inner;
        _state = state;
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var produce = false;
        try
        {
            switch (_inner)
            {
                case null:
                    break;
                case IResult result:
                    await result.ExecuteAsync(httpContext);
                    break;
                case string text:
                    await Results.Text(text).ExecuteAsync(httpContext);
                    break;
                default:
                    await Results.Json(_inner).ExecuteAsync(httpContext);
                    break;
            }

            produce = true;
        }
        catch (Exception ex) when (_state.GrpcStatus && TrailerProducerRunner.HandleGrpcException(httpContext, _state, ex))
        {
            produce = true;
        }
        finally
        {
            _state.Finish(produce);
        }
    }
}

/// <summary>The shared middleware body of the producers.</summary>
internal static class TrailerProducerRunner
{
    public static async Task RunAsync(HttpContext context, Func<Task> next, TrailerProducerSet set)
    {
        var state = TrailerProducerState.Begin(context, set, out var owner);
        if (state is null)
        {
            await next();
            return;
        }

        var produce = false;
        try
        {
            await next();
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
                state.Finish(produce);
            }
        }
    }

    /// <summary>gRPC reports a failed call in grpc-status, not by resetting the stream: log it and send UNKNOWN.</summary>
    public static bool HandleGrpcException(HttpContext context, TrailerProducerState state, Exception exception)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            return false; // the client left; nothing to report to it
        }

        state.MarkHandlerFailed();
        var logger = context.RequestServices?.GetService<TrailersServices>()?.Logger ?? TrailersServices.Default.Logger;
        TrailersLog.GrpcHandlerException(logger, (int)GrpcStatusCode.Unknown, exception);
        return true;
    }
}
