using System.Diagnostics;
using System.Text;

namespace Http2Features.Tests.Packaging;

/// <summary>
/// A copy of the repository's build inputs in a temporary folder (what a fresh clone or a Docker build context holds),
/// so that dotnet pack/publish in tests never write into the worktree's bin/ and obj/ while the suite runs.
/// </summary>
internal sealed class RepositoryCopy : IDisposable
{
    private static readonly string[] RootFiles = ["global.json", "nuget.config", "Directory.Build.props", "Directory.Packages.props", "README.md"];

    private RepositoryCopy(string root) => Root = root;

    /// <summary>The temporary folder; the copy is at <c>Root/repo</c>, and tests may put siblings next to it.</summary>
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

    /// <summary>Copies the root build files and the named folders, leaving out bin/, obj/, TestResults/ and certs/.</summary>
    public static RepositoryCopy Create(params string[] folders)
    {
        var source = RepositoryRoot();
        var copy = new RepositoryCopy(Directory.CreateTempSubdirectory("h2f-fresh-").FullName);
        Directory.CreateDirectory(copy.Repo);
        foreach (var file in RootFiles)
        {
            File.Copy(Path.Combine(source, file), Path.Combine(copy.Repo, file));
        }

        foreach (var folder in folders)
        {
            CopyFolder(Path.Combine(source, folder), Path.Combine(copy.Repo, folder));
        }

        return copy;
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.GetDirectories(from))
        {
            if (Path.GetFileName(dir) is not ("bin" or "obj" or "TestResults" or "certs"))
            {
                CopyFolder(dir, Path.Combine(to, Path.GetFileName(dir)));
            }
        }
    }

    /// <summary>Runs the dotnet CLI in <paramref name="workingDirectory"/> with a clean environment; throws with the output on failure.</summary>
    public static async Task<string> DotnetAsync(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var psi = Start("dotnet", workingDirectory, args);
        using var process = Process.Start(psi)!;
        var output = new StringBuilder();
        var stdout = PumpAsync(process.StandardOutput, output);
        var stderr = PumpAsync(process.StandardError, output);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish within {timeout.TotalSeconds} s:\n{output}");
        }

        await Task.WhenAll(stdout, stderr);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', args)} (in {workingDirectory}) exited {process.ExitCode}:\n{output}");
        }

        return output.ToString();
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

    private static async Task PumpAsync(StreamReader reader, StringBuilder into)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (into)
            {
                into.AppendLine(line);
            }
        }
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
