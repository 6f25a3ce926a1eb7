using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Http2Features.Priority;

/// <summary>Puts <see cref="StreamPriorityMiddleware"/> at the very start of the app's pipeline.</summary>
internal sealed class StreamPriorityStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) =>
        app =>
        {
            app.Use(static next => new StreamPriorityMiddleware(next).InvokeAsync);
            next(app);
        };
}
