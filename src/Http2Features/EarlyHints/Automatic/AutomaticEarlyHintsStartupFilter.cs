using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Http2Features.EarlyHints.Automatic;

/// <summary>
/// Adds nothing to the pipeline: after the app has built it, warns (6052) when learned hints are enabled or an endpoint
/// declares hints but <c>UseAutomaticEarlyHints()</c> was never called, which would otherwise fail silently.
/// </summary>
internal sealed class AutomaticEarlyHintsStartupFilter : IStartupFilter
{
    private readonly EarlyHintsService _service;
    private readonly ILogger _logger;

    public AutomaticEarlyHintsStartupFilter(EarlyHintsService service, ILoggerFactory loggerFactory)
    {
        _service = service;
        _logger = loggerFactory.CreateLogger("Http2Features.EarlyHints.Automatic");
    }

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) =>
        app =>
        {
            next(app);

            // WebApplication copies its builder's properties onto this one after adding the user's middleware.
            if (app.Properties.ContainsKey(AutomaticEarlyHintsApplicationBuilderExtensions.MiddlewareAddedKey))
            {
                return;
            }

            if (_service.Options.Automatic.Enabled)
            {
                AutomaticEarlyHintsLog.MiddlewareMissing(_logger, "Http2Features:EarlyHints:Automatic:Enabled is true");
                return;
            }

            if (app.ApplicationServices.GetService<EndpointDataSource>() is { } endpoints
                && endpoints.Endpoints.FirstOrDefault(e => e.Metadata.GetMetadata<IEarlyHintsMetadata>() is not null) is { } declaring)
            {
                AutomaticEarlyHintsLog.MiddlewareMissing(_logger, $"Endpoint '{declaring.DisplayName}' declares early hints");
            }
        };
}
