using System.Collections.Concurrent;
using Http2Features.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Http2Features.Tests.Trailers;

/// <summary>Starts an <see cref="Http2TestApp"/> (real Kestrel, TLS, h2 + http/1.1) with the pack added.</summary>
internal static class TrailersApp
{
    public static Task<Http2TestApp> StartAsync(Action<WebApplication> configureApp, Action<WebApplicationBuilder>? configureBuilder = null, CapturingLoggerProvider? logs = null) =>
        Http2TestApp.StartAsync(configureApp, builder =>
        {
            if (logs is not null)
            {
                builder.Logging.AddProvider(logs);
            }

            builder.Services.AddHttp2Features();
            configureBuilder?.Invoke(builder);
        });
}

/// <summary>Keeps every log entry so tests can assert on event ids.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, EventId EventId, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((category, logLevel, eventId, formatter(state, exception)));
    }
}
