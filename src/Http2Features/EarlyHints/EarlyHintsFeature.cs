using Http2Features.Connection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Http2Features.EarlyHints;

/// <summary>The default <see cref="IHttpEarlyHintsFeature"/>: validates, checks the protocol, hands the 103 to the connection seam.</summary>
internal sealed class EarlyHintsFeature : IHttpEarlyHintsFeature
{
    private readonly HttpContext _context;
    private readonly EarlyHintsService _service;

    public EarlyHintsFeature(HttpContext context, EarlyHintsService service)
    {
        _context = context;
        _service = service;
    }

    public async ValueTask<EarlyHintsResult> SendAsync(IReadOnlyList<KeyValuePair<string, string>> fields, CancellationToken cancellationToken = default)
    {
        var options = _service.Options;
        EarlyHintsFieldValidator.Validate(fields, options.MaxTotalSize, nameof(fields));

        var response = _context.Response;
        if (response.HasStarted)
        {
            throw new InvalidOperationException(
                "103 Early Hints must be sent before the response starts, but this response has already started (its status line/HEADERS were sent). " +
                "Call SendEarlyHintsAsync before writing the body, flushing, or calling Response.StartAsync.");
        }

        var protocol = _context.Request.Protocol;
        var result = await SendCoreAsync(fields, options, protocol, cancellationToken);
        if (result.IsSent && options.KeepLinkOnFinalResponse && !response.HasStarted)
        {
            foreach (var (name, value) in fields)
            {
                if (string.Equals(name, "link", StringComparison.OrdinalIgnoreCase))
                {
                    response.Headers.Append("Link", value);
                }
            }
        }

        _service.Record(result, protocol, fields.Count, _context.Connection.Id);
        return result;
    }

    private ValueTask<EarlyHintsResult> SendCoreAsync(IReadOnlyList<KeyValuePair<string, string>> fields, EarlyHintsOptions options, string protocol, CancellationToken cancellationToken)
    {
        if (!options.Enabled)
        {
            return ValueTask.FromResult(new EarlyHintsResult(EarlyHintsStatus.Disabled));
        }

        if (HttpProtocol.IsHttp10(protocol) || HttpProtocol.IsHttp09(protocol))
        {
            // RFC 9110 §15.2: no 1xx to an HTTP/1.0 client; gunicorn does the same.
            return ValueTask.FromResult(new EarlyHintsResult(EarlyHintsStatus.Http10Client));
        }

        var streamId = 0;
        if (HttpProtocol.IsHttp2(protocol))
        {
            streamId = _context.Features.Get<IHttp2StreamIdFeature>()?.StreamId ?? 0;
            if (streamId <= 0)
            {
                return ValueTask.FromResult(new EarlyHintsResult(EarlyHintsStatus.UnsupportedProtocol));
            }
        }
        else if (!HttpProtocol.IsHttp11(protocol))
        {
            return ValueTask.FromResult(new EarlyHintsResult(EarlyHintsStatus.UnsupportedProtocol));
        }

        if (_context.RequestAborted.IsCancellationRequested)
        {
            return ValueTask.FromResult(new EarlyHintsResult(EarlyHintsStatus.RequestAborted));
        }

        var seam = _context.Features.Get<IConnectionSeam>();
        if (seam is null)
        {
            return ValueTask.FromResult(new EarlyHintsResult(EarlyHintsStatus.NoConnectionSeam));
        }

        var responseFeature = _context.Features.GetRequiredFeature<IHttpResponseFeature>();
        var written = seam.InformationalResponses.WriteAsync(
            new InformationalResponse(streamId, fields.ToArray(), () => responseFeature.HasStarted, options.WriteTimeout, _context.RequestAborted),
            cancellationToken);
        return written.IsCompletedSuccessfully ? ValueTask.FromResult(ToResult(written.Result)) : AwaitAsync(written);

        static async ValueTask<EarlyHintsResult> AwaitAsync(ValueTask<InformationalResponseResult> pending) => ToResult(await pending);
    }

    private static EarlyHintsResult ToResult(InformationalResponseResult result) => result.Status switch
    {
        InformationalResponseStatus.Written => new EarlyHintsResult(EarlyHintsStatus.Sent),
        InformationalResponseStatus.NoSeam => new EarlyHintsResult(EarlyHintsStatus.NoConnectionSeam),
        InformationalResponseStatus.ResponseStarted => new EarlyHintsResult(EarlyHintsStatus.ResponseStarted),
        InformationalResponseStatus.StreamReset => new EarlyHintsResult(EarlyHintsStatus.RequestAborted),
        InformationalResponseStatus.Timeout => new EarlyHintsResult(EarlyHintsStatus.Timeout),
        _ => new EarlyHintsResult(EarlyHintsStatus.ConnectionClosed),
    };
}
