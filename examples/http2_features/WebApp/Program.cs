var builder = WebApplication.CreateBuilder(args);
builder.Services.AddHttp2Features();

var app = builder.Build();
app.MapGet("/health", () => "OK");
app.Run();

/// <summary>Entry point, public so tests can start the example on real Kestrel.</summary>
public partial class Program;
