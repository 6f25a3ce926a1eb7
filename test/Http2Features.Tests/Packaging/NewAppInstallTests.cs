using System.Text.RegularExpressions;
using FluentAssertions;

namespace Http2Features.Tests.Packaging;

/// <summary>
/// The README's install and quick start, done as a new user does them: pack from a fresh copy of the repository,
/// <c>dotnet new web</c>, <c>dotnet add package Http2Features --source</c>, the README's Program.cs, <c>dotnet run</c>.
/// One pack, one app, one run. The app runs inside a network namespace of its own (unshare), so its fixed default
/// address https://127.0.0.1:8443 cannot collide with anything else on the machine; nghttp checks it from inside.
/// </summary>
public sealed class NewAppInstallTests(Example.ExampleBuildFixture build)
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task README_install_and_quick_start_in_a_new_web_app_serve_h2_with_a_103_and_a_trailer_under_dotnet_run()
    {
        var nghttp = ExternalTool.Require("nghttp", "nghttp2-client");
        var curl = ExternalTool.Require("curl", "curl");
        await RequireNetworkNamespaceAsync();
        var readme = await File.ReadAllTextAsync(Path.Combine(RepositoryCopy.RepositoryRoot(), "README.md"), TestContext.Current.CancellationToken);
        var (packCommand, addCommand) = InstallCommands(readme);
        var program = QuickStart(readme);

        // A fresh clone: the example Dockerfile's build context (shared, so the library compiles in Release once).
        var copy = await build.BuildStageAsync();
        var feed = Path.Combine(copy.Root, "install-packages");
        var app = Path.Combine(copy.Root, "install-newapp");

        // The README's two commands, with its folder replaced by ours.
        var packOutput = await RepositoryCopy.DotnetAsync(copy.Repo, CliTimeout, [.. Arguments(packCommand, feed)]);
        Directory.GetFiles(feed, "Http2Features.*.nupkg").Should().ContainSingle();
        CheckPackageMetadata(Directory.GetFiles(feed, "Http2Features.*.nupkg").Single(), packOutput);
        await RepositoryCopy.DotnetAsync(copy.Root, CliTimeout, "new", "web", "-o", app);
        await RepositoryCopy.DotnetAsync(app, CliTimeout, [.. Arguments(addCommand, feed)]);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), program, TestContext.Current.CancellationToken);
        await RepositoryCopy.DotnetAsync(app, CliTimeout, "build");

        // dotnet run as the user types it (the template's launch profile applies), checked from inside the namespace.
        var script = $$"""
            set -u
            ip link set lo up
            cd '{{app}}'
            dotnet run --no-build > server.log 2>&1 &
            i=0
            until {{curl}} -sk -o /dev/null https://127.0.0.1:8443/; do
              i=$((i+1)); [ $i -gt 1200 ] && { echo "server did not start"; cat server.log; exit 3; }
              sleep 0.1
            done
            {{nghttp}} -nv https://127.0.0.1:8443/
            """;
        var psi = RepositoryCopy.Start("unshare", app, ["-rn", "--pid", "--fork", "sh", "-c", script]);
        var result = await ExternalTool.RunAsync(psi, TimeSpan.FromMinutes(4));
        var server = File.Exists(Path.Combine(app, "server.log")) ? await File.ReadAllTextAsync(Path.Combine(app, "server.log"), TestContext.Current.CancellationToken) : "";
        var context = $"{result}\n--- server.log ---\n{server}";

        result.ExitCode.Should().Be(0, context);
        var output = result.Stdout;
        output.Should().Contain("The negotiated protocol: h2", context);
        var hint = output.IndexOf(":status: 103", StringComparison.Ordinal);
        var final = output.IndexOf(":status: 200", StringComparison.Ordinal);
        var trailer = output.IndexOf("x-weight: ", StringComparison.Ordinal);
        hint.Should().BePositive(context);
        output.Should().Contain("link: </site.css>; rel=preload; as=style", context);
        final.Should().BeGreaterThan(hint, "the 103 comes before the final response");
        trailer.Should().BeGreaterThan(final, "x-weight is a trailer, after the body");
        Regex.IsMatch(output[trailer..], @"recv HEADERS frame <length=\d+, flags=0x05, stream_id=\d+>").Should().BeTrue("the trailer block ends the stream: " + context);

        server.Should().Contain("Now listening on: https://127.0.0.1:8443", "the URL the README gives");
        server.Should().Contain("launch profile 'http'", "the Warning that explains why the profile's http URL is not used");
        server.Should().NotContainAny(["Request starting", "Request finished", "Executing endpoint"], "a request logs nothing with the template's appsettings.json");
    }

    /// <summary>The NuGet metadata: licence, repository URL, a README whose links work on nuget.org, no pack warning.</summary>
    private static void CheckPackageMetadata(string nupkg, string packOutput)
    {
        Regex.Matches(packOutput, @"^.*: warning .*$", RegexOptions.Multiline).Select(m => m.Value).Should().BeEmpty("dotnet pack prints no warning");
        using var zip = System.IO.Compression.ZipFile.OpenRead(nupkg);
        string Read(string name)
        {
            using var reader = new StreamReader(zip.GetEntry(name)!.Open());
            return reader.ReadToEnd();
        }

        var nuspec = Read("Http2Features.nuspec");
        nuspec.Should().Contain("<license type=\"expression\">MIT</license>");
        nuspec.Should().MatchRegex(@"<repository type=""git"" url=""https://github\.com/[^""]+"" ");
        nuspec.Should().Contain("<readme>README.md</readme>");
        var links = Regex.Matches(Read("README.md"), @"\]\((?<url>[^)]+)\)").Select(m => m.Groups["url"].Value).ToList();
        links.Should().NotBeEmpty().And.OnlyContain(url => url.StartsWith("https://", StringComparison.Ordinal), "relative links do not work on nuget.org");
        File.Exists(Path.Combine(RepositoryCopy.RepositoryRoot(), "LICENSE")).Should().BeTrue("the repository carries the MIT licence text");
    }

    private static async Task RequireNetworkNamespaceAsync()
    {
        if (ExternalTool.Find("unshare") is null || ExternalTool.Find("ip") is null)
        {
            Assert.Skip("needs unshare (Debian package util-linux) and ip (iproute2) to run the app on its fixed default port in a private network namespace");
        }

        var probe = await ExternalTool.RunAsync("unshare", ["-rn", "--pid", "--fork", "ip", "link", "set", "lo", "up"], TimeSpan.FromSeconds(20));
        if (probe.ExitCode != 0)
        {
            Assert.Skip("unprivileged user and network namespaces are not available here (unshare -rn failed): " + probe.Stderr.Trim());
        }
    }

    /// <summary>The two commands of the README's Install section.</summary>
    internal static (string Pack, string Add) InstallCommands(string readme)
    {
        var install = Section(readme, "## Install");
        var pack = Regex.Match(install, @"^dotnet pack src/Http2Features -o \S+", RegexOptions.Multiline);
        var add = Regex.Match(install, @"^dotnet add package Http2Features --source \S+", RegexOptions.Multiline);
        pack.Success.Should().BeTrue("README's Install section shows dotnet pack -o <dir>");
        add.Success.Should().BeTrue("README's Install section shows dotnet add package Http2Features --source <dir>");
        return (pack.Value, add.Value);
    }

    /// <summary>The first C# block of the README's Quick start section: the whole Program.cs.</summary>
    internal static string QuickStart(string readme)
    {
        var block = Regex.Match(Section(readme, "## Quick start"), @"```csharp\n(?<code>.*?)```", RegexOptions.Singleline);
        block.Success.Should().BeTrue("README's Quick start has a csharp block");
        return block.Groups["code"].Value;
    }

    private static string Section(string readme, string heading)
    {
        var start = readme.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        start.Should().BeGreaterThan(0, $"README has a '{heading}' section");
        var end = readme.IndexOf("\n## ", start + heading.Length + 2, StringComparison.Ordinal);
        return end < 0 ? readme[start..] : readme[start..end];
    }

    /// <summary>The command's arguments after "dotnet", with the README's package folder replaced by <paramref name="feed"/>.</summary>
    private static string[] Arguments(string command, string feed)
    {
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        words[^1] = feed;
        return words[1..];
    }
}
