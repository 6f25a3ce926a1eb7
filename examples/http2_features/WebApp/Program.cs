var builder = WebApplication.CreateBuilder(args);

// gunicorn-style settings: -c gunicorn.conf.py, -b, --http-protocols ..., GUNICORN_CMD_ARGS and the "Gunicorn"
// configuration section. With none of them: https://127.0.0.1:8443 (h2,h1) with a generated development certificate.
builder.WebHost.UseGunicornSettings(args);
builder.Services.AddHttp2Features();

var app = builder.Build();
app.MapGet("/health", () => "OK");
app.MapGet("/", (HttpContext context) => $"Hello over {context.Request.Protocol}");
app.Run();

/// <summary>Entry point, public so tests can start the example on real Kestrel.</summary>
public partial class Program;
