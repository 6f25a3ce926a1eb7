using System.Text.RegularExpressions;
using FluentAssertions;
using Http2Features.Tests.Packaging;

namespace Http2Features.Tests.Example;

/// <summary>
/// The example's Dockerfile and compose file, run without Docker (no engine on the build machines): the build stage's
/// COPY/RUN steps are read from the Dockerfile and done in a temporary folder (restore from the files copied before
/// <c>COPY . .</c>, then publish), and the published server starts as the runtime stage's ENTRYPOINT does, from its
/// folder, with the base image's environment and the Dockerfile's ENV; the published test client runs against it.
/// Server and client run in a private network namespace, so the image's fixed 0.0.0.0:8443 collides with nothing.
/// </summary>
public sealed class PublishedExampleTests(ExampleBuildFixture build)
{
    internal static readonly string ExampleDir = Path.Combine(RepositoryCopy.RepositoryRoot(), "examples", "http2_features");

    /// <summary>What the aspnet:10.0 base image sets (dotnet/dotnet-docker, runtime-deps Dockerfiles).</summary>
    private static readonly Dictionary<string, string> BaseImageEnvironment = new()
    {
        ["APP_UID"] = "1654",
        ["ASPNETCORE_HTTP_PORTS"] = "8080",
        ["DOTNET_RUNNING_IN_CONTAINER"] = "true",
    };

    [Fact]
    public void Dockerfile_uses_the_base_images_app_user_clears_its_HTTP_port_restores_before_copying_the_sources_and_builds_the_test_client_apart()
    {
        var stages = DockerfileStages(File.ReadAllText(Path.Combine(ExampleDir, "Dockerfile")));

        stages.Keys.Should().Equal("build", "testclient", "runtime");
        stages.Values.SelectMany(s => s).Should().NotContain(i => i.StartsWith("RUN", StringComparison.Ordinal) && i.Contains("useradd", StringComparison.Ordinal),
            "aspnet:10.0 already has the user app (uid 1654): useradd exits 9");
        foreach (var stage in new[] { "runtime", "testclient" })
        {
            stages[stage].Should().Contain("USER $APP_UID");
            stages[stage].Should().Contain("ENV ASPNETCORE_HTTP_PORTS=");
            stages[stage].Last(i => i.StartsWith("USER", StringComparison.Ordinal) || i.StartsWith("ENTRYPOINT", StringComparison.Ordinal)).Should().StartWith("ENTRYPOINT");
        }

        var build = stages["build"];
        build.FindIndex(i => i.StartsWith("RUN dotnet restore", StringComparison.Ordinal)).Should().BeLessThan(build.IndexOf("COPY . ."), "restore is its own layer");
        stages["runtime"].Should().NotContain(i => i.Contains("testclient", StringComparison.Ordinal), "the server image carries no test client");
        stages["testclient"].Should().Contain("COPY --from=build /out/testclient .");
    }

    [Fact]
    public void Compose_publishes_on_loopback_keeps_certificates_in_a_named_volume_and_runs_the_test_client_image()
    {
        var compose = File.ReadAllText(Path.Combine(ExampleDir, "docker-compose.yml"));

        compose.Should().Contain("- \"127.0.0.1:8443:8443\"");
        compose.Should().MatchRegex(@"volumes:\s*\n\s*- certs:/app/certs");
        compose.Should().MatchRegex(@"\nvolumes:\s*\n\s+certs:");
        compose.Should().MatchRegex(@"testclient:\s*\n\s*build:(.|\n)*?target: testclient");
    }

    [Fact]
    public async Task The_Dockerfiles_build_steps_publish_a_server_and_test_client_that_pass_and_log_nothing_per_request()
    {
        var curl = ExternalTool.Require("curl", "curl");
        if (ExternalTool.Find("unshare") is null || (await ExternalTool.RunAsync("unshare", ["-rn", "--pid", "--fork", "true"], TimeSpan.FromSeconds(20))).ExitCode != 0)
        {
            Assert.Skip("needs unshare (util-linux) with unprivileged user and network namespaces, to run the image's fixed 0.0.0.0:8443 privately");
        }

        var stages = DockerfileStages(File.ReadAllText(Path.Combine(ExampleDir, "Dockerfile")));
        var fs = (await build.BuildStageAsync()).Root; // the containers' "/": /repo, /out, and /app below

        // Runtime stage: WORKDIR /app; COPY --from=build /out/web .; ENV; ENTRYPOINT, started from /app.
        var app = Path.Combine(fs, "app");
        CopyTree(Map(fs, "/out/web"), app);
        var environment = new Dictionary<string, string>(BaseImageEnvironment);
        foreach (var env in stages["runtime"].Where(i => i.StartsWith("ENV ", StringComparison.Ordinal)))
        {
            var (key, value) = (env[4..].Split('=', 2)[0], env[4..].Split('=', 2)[1]);
            environment[key] = value;
        }

        var entrypoint = ExecForm(stages["runtime"].Single(i => i.StartsWith("ENTRYPOINT", StringComparison.Ordinal)));
        var testclient = ExecForm(stages["testclient"].Single(i => i.StartsWith("ENTRYPOINT", StringComparison.Ordinal)));
        var exports = string.Join("\n", environment.Select(kv => $"export {kv.Key}='{kv.Value}'"));
        // compose's "docker compose run --rm testclient" with the client's CMD pointed at the server in the same namespace.
        var script = $$"""
            set -u
            ip link set lo up
            {{exports}}
            cd '{{app}}'
            {{string.Join(' ', entrypoint)}} > server.log 2>&1 &
            i=0
            until {{curl}} -sk -o /dev/null https://127.0.0.1:8443/health; do
              i=$((i+1)); [ $i -gt 1200 ] && { echo "server did not start"; exit 3; }
              sleep 0.1
            done
            cd '{{Map(fs, "/out/testclient")}}'
            {{string.Join(' ', testclient)}} --url https://localhost:8443
            echo "testclient exit $?"
            cd '{{app}}'
            {{string.Join(' ', entrypoint)}} -b 127.0.0.1:9443 --access-logfile - > access.log 2>&1 &
            until {{curl}} -sk --http2 -o /dev/null https://127.0.0.1:9443/health; do sleep 0.1; done
            for n in 1 2 3; do {{curl}} -sk --http2 -o /dev/null https://127.0.0.1:9443/health; done
            """;
        var result = await ExternalTool.RunAsync(RepositoryCopy.Start("unshare", app, ["-rn", "--pid", "--fork", "sh", "-c", script]), TimeSpan.FromMinutes(4));
        var server = await File.ReadAllTextAsync(Path.Combine(app, "server.log"), TestContext.Current.CancellationToken);
        var access = await File.ReadAllTextAsync(Path.Combine(app, "access.log"), TestContext.Current.CancellationToken);
        var output = result.Stdout;
        var report = $"{result}\n--- server.log ---\n{server}\n--- access.log ---\n{access}";

        output.Should().Contain("testclient exit 0", report);
        output.Should().MatchRegex(@"\d+ passed, 0 failed", report);
        server.Should().Contain("Now listening on: https://0.0.0.0:8443", report);
        server.Should().Contain("self-signed development certificate", "outside Development the generated certificate is a Warning").And.Contain("warn: Http2Features.Configuration.Gunicorn[1007]").And.Contain("The environment is Production; a self-signed certificate is for Development only");
        server.Should().NotContain("Overriding", "ASPNETCORE_HTTP_PORTS is cleared, so Kestrel has no address to override");
        server.Should().NotContainAny(["Request starting", "Request finished", "Executing endpoint", "\"GET "], "the shipped appsettings.json: no log line per request");
        Regex.Matches(access, "^127\\.0\\.0\\.1 - - \\[[^\\]]+\\] \"GET /health HTTP/2\" 200 2 \"-\" \"curl/[^\"]+\"$", RegexOptions.Multiline)
            .Should().HaveCount(4, "--access-logfile -: exactly one line per request (the readiness probe and three requests): " + report);
    }

    /// <summary>The instructions of each stage, continuation lines joined, comments dropped.</summary>
    internal static Dictionary<string, List<string>> DockerfileStages(string dockerfile)
    {
        var joined = Regex.Replace(dockerfile, @"\\\n\s*", " ");
        var stages = new Dictionary<string, List<string>>();
        List<string>? current = null;
        foreach (var raw in joined.Split('\n'))
        {
            var line = Regex.Replace(raw.Trim(), @"\s+", " ");
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var from = Regex.Match(line, @"^FROM \S+ AS (\S+)$");
            if (from.Success)
            {
                stages[from.Groups[1].Value] = current = [];
            }
            else
            {
                current!.Add(line);
            }
        }

        return stages;
    }

    internal static (string Op, string Arguments) Split(string instruction)
    {
        var space = instruction.IndexOf(' ', StringComparison.Ordinal);
        return (instruction[..space], instruction[(space + 1)..]);
    }

    private static string[] ExecForm(string instruction) =>
        Regex.Matches(instruction, "\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToArray();

    internal static string Map(string fs, string containerPath) => Path.Combine(fs, containerPath.TrimStart('/'));

    /// <summary>COPY from the build context, leaving out what Dockerfile.dockerignore does.</summary>
    internal static void CopyFromContext(string context, string source, string destination)
    {
        var from = source == "." ? context : Path.Combine(context, source);
        if (File.Exists(from))
        {
            var target = destination.EndsWith('/') || Directory.Exists(destination) ? Path.Combine(destination, Path.GetFileName(from)) : destination;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(from, target, overwrite: true);
            return;
        }

        CopyTree(from, destination);
    }

    internal static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }

        foreach (var dir in Directory.GetDirectories(from))
        {
            // Dockerfile.dockerignore: **/bin/ **/obj/ **/TestResults/ **/certs/ .git/ bench/.loadapp-bin/
            if (Path.GetFileName(dir) is not ("bin" or "obj" or "TestResults" or "certs" or ".git" or ".loadapp-bin"))
            {
                CopyTree(dir, Path.Combine(to, Path.GetFileName(dir)));
            }
        }
    }
}
