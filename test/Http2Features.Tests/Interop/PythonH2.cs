using System.Diagnostics;

namespace Http2Features.Tests.Interop;

/// <summary>Runs Debian's python3 with python-hyper's h2 (and other external clients) from tests.</summary>
internal static class PythonH2
{
    public const string Python = "/usr/bin/python3";

    /// <summary>Skips the test, naming the Debian package, when python3 or its h2 module is missing.</summary>
    public static async Task RequireAsync()
    {
        if (!File.Exists(Python))
        {
            Assert.Skip($"{Python} is missing: install the Debian packages python3 and python3-h2.");
        }

        var (exit, _, stderr) = await RunAsync(Python, "-c", "import h2");
        if (exit != 0)
        {
            Assert.Skip($"{Python} has no 'h2' module: install the Debian package python3-h2. ({stderr.Trim()})");
        }
    }

    /// <summary>Runs a program to its end (at most <paramref name="timeout"/>, 30 s by default) and returns its exit code and output.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string file, params string[] args) =>
        await RunAsync(TimeSpan.FromSeconds(30), file, args);

    /// <inheritdoc cref="RunAsync(string, string[])"/>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(TimeSpan timeout, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(timeout, TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }
}
