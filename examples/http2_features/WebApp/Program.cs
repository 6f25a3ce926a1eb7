var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseGunicornSettings(args); // -b, -c gunicorn.conf.py, GUNICORN_CMD_ARGS; default https://127.0.0.1:8443
builder.Services.AddHttp2Features();

var app = builder.Build();
app.MapGet("/health", () => "OK");
app.Run();

/// <summary>Entry point, public so tests can start the example on real Kestrel.</summary>
public partial class Program;
