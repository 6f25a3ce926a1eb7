using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using FluentAssertions;
using Http2Features.Testing;

namespace Http2Features.Tests.Packaging;

/// <summary>
/// The runtime package declares <c>IsTrimmable</c> and <c>IsAotCompatible</c>; this proves it for a user: the README's
/// quick start (gunicorn settings, <c>AddHttp2Features()</c>, a 103, the stream priority and a trailer) published with
/// <c>PublishTrimmed</c> (self-contained linux-x64, every trim warning shown one by one) from a copy of the library's
/// sources, with no warning at all, and the trimmed executable serving that request over h2 to the raw client.
/// The runtime packs come from the NuGet cache after the first run.
/// </summary>
public sealed class TrimmedAppTests
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(1);

    private const string AppProject = """
        <Project Sdk="Microsoft.NET.Sdk.Web">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <PublishTrimmed>true</PublishTrimmed>
            <RuntimeIdentifier>linux-x64</RuntimeIdentifier>
            <SelfContained>true</SelfContained>
            <TrimmerSingleWarn>false</TrimmerSingleWarn>
          </PropertyGroup>
          <ItemGroup>
            <ProjectReference Include="../repo/src/Http2Features/Http2Features.csproj" />
          </ItemGroup>
        </Project>
        """;

    [Fact]
    public async Task The_README_quick_start_published_trimmed_has_no_warnings_and_serves_a_103_the_response_and_a_trailer_over_h2()
    {
        var ct = TestContext.Current.CancellationToken;
        using var copy = RepositoryCopy.CreateEmpty();
        var source = RepositoryCopy.RepositoryRoot();
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "nuget.config" })
        {
            Directory.CreateDirectory(copy.Repo);
            File.Copy(Path.Combine(source, file), Path.Combine(copy.Repo, file));
        }

        foreach (var file in new[] { "global.json", "nuget.config" })
        {
            File.Copy(Path.Combine(source, file), Path.Combine(copy.Root, file));
        }

        CopySources(Path.Combine(source, "src", "Http2Features"), Path.Combine(copy.Repo, "src", "Http2Features"));
        var app = Directory.CreateDirectory(Path.Combine(copy.Root, "app")).FullName;
        await File.WriteAllTextAsync(Path.Combine(app, "TrimmedApp.csproj"), AppProject, ct);
        var readme = await File.ReadAllTextAsync(Path.Combine(source, "README.md"), ct);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), NewAppInstallTests.QuickStart(readme), ct);

        var output = Path.Combine(copy.Root, "out");
        var publish = await RepositoryCopy.DotnetAsync(app, PublishTimeout, "publish", "-o", output);

        publish.Should().Contain("Optimizing assemblies for size", "ILLink ran");
        Regex.Matches(publish, @"^.*: warning [A-Z]+\d+:.*$", RegexOptions.Multiline).Select(m => m.Value).Should().BeEmpty("the trimmed publish prints no warning (trim analysis IL2xxx/IL3xxx or any other)");

        // Serve the request: the app's own gunicorn flags, the test certificate as PEM files, an ephemeral port.
        var certificate = TestCertificates.Shared;
        var certFile = Path.Combine(copy.Root, "server.crt");
        var keyFile = Path.Combine(copy.Root, "server.key");
        await File.WriteAllTextAsync(certFile, certificate.ExportCertificatePem(), ct);
        using (var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the test certificate has an ECDSA key"))
        {
            await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem(), ct);
        }

        var psi = RepositoryCopy.Start(Path.Combine(output, "TrimmedApp"), output, ["-b", "127.0.0.1:0", "--certfile", certFile, "--keyfile", keyFile, "--http-protocols", "h2,h1"]);
        using var server = Process.Start(psi) ?? throw new InvalidOperationException("could not start the trimmed app");
        var log = new StringBuilder();
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null)
            {
                listening.TrySetException(new InvalidOperationException("the trimmed app closed its output before listening:\n" + Snapshot(log)));
                return;
            }

            lock (log)
            {
                log.AppendLine(line);
            }

            var match = Regex.Match(line, @"Now listening on: https://127\.0\.0\.1:(\d+)");
            if (match.Success)
            {
                listening.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        server.OutputDataReceived += (_, e) => OnLine(e.Data);
        server.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.AppendLine(e.Data);
                }
            }
        };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            var port = await listening.Task.WaitAsync(StartTimeout, ct);
            await using var client = await RawHttp2Client.ConnectAsync(new Uri($"https://127.0.0.1:{port}/"), new RawHttp2ClientOptions { Timeout = TimeSpan.FromSeconds(30) }, ct);

            var response = await client.GetAsync("/", ct);

            var context = Snapshot(log);
            client.NegotiatedProtocol.Should().Be("h2", context);
            response.Informational.Should().ContainSingle(context).Which.Status.Should().Be(103);
            response.Informational[0].Headers.GetValues("link").Should().Equal(["</site.css>; rel=preload; as=style"], context);
            response.Status.Should().Be(200, context);
            response.BodyText.Should().Be("Hello over HTTP/2\n", context);
            response.Trailers.GetValues("x-weight").Should().Equal(["16"], "the default RFC 7540 weight, read by the trimmed app: " + context);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static string Snapshot(StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    private static void CopySources(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            var top = relative.Split(Path.DirectorySeparatorChar)[0];
            if (top is "bin" or "obj")
            {
                continue;
            }

            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
