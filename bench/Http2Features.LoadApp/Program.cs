// The tiny app bench/run-load.sh measures: identical with the pack off and on.
// Usage: Http2Features.LoadApp <port> <on|off>
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

var port = int.Parse(args[0], CultureInfo.InvariantCulture);
var packOn = args.Length > 1 && args[1] == "on";

using var key = RSA.Create(2048);
var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
using var certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.UseKestrelHttpsConfiguration();
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, lo =>
{
    lo.Protocols = HttpProtocols.Http1AndHttp2;
    lo.UseHttps(certificate);
}));
if (packOn)
{
    builder.Services.AddHttp2Features();
}

var app = builder.Build();
app.Run(context => context.Response.WriteAsync("hello"));
app.Run();
