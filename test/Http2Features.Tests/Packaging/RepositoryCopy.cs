using System.Diagnostics;

namespace Http2Features.Tests.Packaging;

/// <summary>
/// A temporary folder for a copy of the repository's build inputs (what a fresh clone or a Docker build context holds),
/// so that dotnet pack/publish in tests never write into the worktree's bin/ and obj/ while the suite runs; and the
/// dotnet CLI run there with a clean environment.
/// </summary>
internal sealed class RepositoryCopy : IDisposable
{
    private RepositoryCopy(string root) => Root = root;

    /// <summary>The temporary folder; the repository copy is at <c>Root/repo</c>, and tests put siblings next to it.</summary>
    public string Root { get; }

    public string Repo => Path.Combine(Root, "repo");

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Http2Features.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Http2Features.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>An empty temporary folder (a build context is copied into it step by step).</summary>
    public static RepositoryCopy CreateEmpty() => new(Directory.CreateTempSubdirectory("h2f-fresh-").FullName);

    /// <summary>Runs the dotnet CLI in <paramref name="workingDirectory"/> with a clean environment; throws with the output on failure.</summary>
    public static async Task<string> DotnetAsync(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var result = await ExternalTool.RunAsync(Start("dotnet", workingDirectory, args), timeout);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', args)} (in {workingDirectory}) failed: {result}");
        }

        return result.Stdout;
    }

    /// <summary>A process start for a child that must not see the test host's own dotnet/ASP.NET variables.</summary>
    public static ProcessStartInfo Start(string file, string workingDirectory, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var key in psi.Environment.Keys.ToList())
        {
            // The test host runs under dotnet test: its MSBuild and testing-platform variables would steer a child CLI.
            if (key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || key.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
                || key.StartsWith("TESTINGPLATFORM", StringComparison.Ordinal) || key is "DOTNET_LAUNCH_PROFILE" or "GUNICORN_CMD_ARGS" or "DOTNET_HOST_PATH")
            {
                psi.Environment.Remove(key);
            }
        }

        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        // No MSBuild worker nodes outliving the call (the compiler server, shared with dotnet test's own build, stays on).
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        psi.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        return psi;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a process that has not let go yet
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
