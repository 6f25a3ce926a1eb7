using FluentAssertions;
using Http2Features.Tests.Packaging;

[assembly: AssemblyFixture(typeof(Http2Features.Tests.Example.ExampleBuildFixture))]

namespace Http2Features.Tests.Example;

/// <summary>
/// The example Dockerfile's build stage, done once per test run in a temporary folder standing for the container's
/// "/" (<c>/repo</c>, <c>/out</c>): the COPY steps from the repository (less what Dockerfile.dockerignore leaves out)
/// and the RUN steps (restore from the project files alone, then publish). Shared by the published-example test and
/// the install test, which packs from the same <c>/repo</c>, so the library is compiled in Release once. Lazy: a run
/// that filters those tests out pays nothing. Deleted at the end of the run.
/// </summary>
public sealed class ExampleBuildFixture : IDisposable
{
    private readonly Lazy<Task<RepositoryCopy>> _build = new(RunBuildStageAsync);

    /// <summary>The folder standing for the build container's "/", after the build stage ran.</summary>
    internal Task<RepositoryCopy> BuildStageAsync() => _build.Value;

    private static async Task<RepositoryCopy> RunBuildStageAsync()
    {
        var stages = PublishedExampleTests.DockerfileStages(File.ReadAllText(Path.Combine(PublishedExampleTests.ExampleDir, "Dockerfile")));
        var copy = RepositoryCopy.CreateEmpty();
        var context = RepositoryCopy.RepositoryRoot();
        var fs = copy.Root;
        var workdir = "/";
        foreach (var instruction in stages["build"])
        {
            var (op, rest) = PublishedExampleTests.Split(instruction);
            switch (op)
            {
                case "WORKDIR":
                    workdir = rest;
                    Directory.CreateDirectory(PublishedExampleTests.Map(fs, rest));
                    break;
                case "COPY":
                    var parts = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    var destination = parts[^1] is "." or "./" ? PublishedExampleTests.Map(fs, workdir) : PublishedExampleTests.Map(fs, Path.Combine(workdir, parts[^1]));
                    foreach (var source in parts[..^1])
                    {
                        PublishedExampleTests.CopyFromContext(context, source, destination);
                    }

                    break;
                case "RUN":
                    foreach (var command in rest.Split("&&", StringSplitOptions.TrimEntries))
                    {
                        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.StartsWith('/') ? PublishedExampleTests.Map(fs, w) : w).ToArray();
                        words[0].Should().Be("dotnet", "the build stage only runs the dotnet CLI");
                        await RepositoryCopy.DotnetAsync(PublishedExampleTests.Map(fs, workdir), TimeSpan.FromMinutes(10), words[1..]);
                    }

                    break;
            }
        }

        return copy;
    }

    public void Dispose()
    {
        if (_build.IsValueCreated && _build.Value.IsCompletedSuccessfully)
        {
            _build.Value.Result.Dispose();
        }
    }
}
