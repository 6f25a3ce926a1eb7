using System.Diagnostics;

namespace Http2Features.TestSupport;

/// <summary>
/// Finds and runs independent HTTP/2 implementations (curl, nghttp, h2load, python h2); tests skip, naming the
/// Debian package, when one is missing. Shared by the test projects (linked from test/Directory.Build.props).
/// </summary>
internal static class ExternalTool
{
    public const string Python = "/usr/bin/python3";

    /// <summary>A loopback port free right now, for a server the test starts outside Kestrel (haproxy, a child process).</summary>
    public static int FreeLoopbackPort()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static string Require(string name, string debianPackage)
    {
        var path = Find(name);
        if (path is null)
        {
            Assert.Skip($"'{name}' is not installed: install the Debian package {debianPackage} (apt-get install {debianPackage}) to run this interop test.");
        }

        return path!;
    }

    public static async Task RequirePythonH2Async()
    {
        if (!File.Exists(Python))
        {
            Assert.Skip($"{Python} is missing: install the Debian packages python3 and python3-h2 to run this interop test.");
        }

        var result = await RunAsync(Python, ["-c", "import h2"], TimeSpan.FromSeconds(20));
        if (result.ExitCode != 0)
        {
            Assert.Skip($"{Python} has no 'h2' module: install the Debian package python3-h2 to run this interop test. ({result.Stderr.Trim()})");
        }
    }

    public static Task<ToolResult> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return RunAsync(psi, timeout, stdin);
    }

    /// <summary>Runs a prepared start (working directory, environment); output is redirected here. Kills the tree on timeout.</summary>
    public static async Task<ToolResult> RunAsync(ProcessStartInfo psi, TimeSpan timeout, string? stdin = null)
    {
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = stdin is not null;
        psi.UseShellExecute = false;
        var file = psi.FileName;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {file}.");
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', psi.ArgumentList)} did not finish within {timeout.TotalSeconds} s. stderr: {await stderr}");
        }

        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }
}

internal sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";

    /// <summary>Exit code and everything the tool printed (stdout then stderr), for tests that search the whole output.</summary>
    public void Deconstruct(out int exitCode, out string output)
    {
        exitCode = ExitCode;
        output = Stdout + Stderr;
    }
}
