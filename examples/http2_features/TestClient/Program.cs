// Checks the example server over raw HTTP/2 frames (the counterpart of gunicorn's test_http2.py).
//   dotnet run --project examples/http2_features/TestClient -- --url https://localhost:8443
// Prints PASS/FAIL per check; exit code 0 when all pass, 1 when one fails, 2 when the server is unreachable.
using System.Net.Sockets;

namespace Http2FeaturesExample.TestClient;

/// <summary>Command line entry point of the example's test client.</summary>
public static class Program
{
    /// <summary>The command that starts the example server, printed when it cannot be reached.</summary>
    public const string StartServerHint =
        "dotnet run --project examples/http2_features/WebApp -- -c gunicorn.conf.py" +
        "  (or: cd examples/http2_features && docker compose up --build)";

    /// <summary>Runs the checks.</summary>
    /// <param name="args"><c>--url https://host:port</c> (default https://localhost:8443).</param>
    /// <returns>0 all passed, 1 a check failed, 2 the server could not be reached, 64 bad arguments.</returns>
    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out);

    /// <summary>Runs the checks, writing the report to <paramref name="output"/> (tests call this in-process).</summary>
    /// <param name="args">The command line arguments.</param>
    /// <param name="output">Where PASS/FAIL lines go.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        if (!TryParseUrl(args, out var url, out var error))
        {
            await output.WriteLineAsync(error);
            await output.WriteLineAsync("usage: dotnet run --project examples/http2_features/TestClient -- [--url https://localhost:8443]");
            return 64;
        }

        await output.WriteLineAsync($"Testing {url} over HTTP/2 (the server's certificate is not validated: the example uses a self-signed one)");
        if (await ExampleChecks.ProbeAsync(url) is { } unreachable)
        {
            await output.WriteLineAsync($"Cannot connect to {url}: {unreachable}");
            await output.WriteLineAsync($"Is the server running? Start it with: {StartServerHint}");
            return 2;
        }

        var failed = 0;
        var checks = ExampleChecks.All;
        foreach (var (name, check) in checks)
        {
            try
            {
                var detail = await check(url);
                await output.WriteLineAsync($"PASS  {name}: {detail}");
            }
#pragma warning disable CA1031 // a failed check is reported and the next one runs
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failed++;
                await output.WriteLineAsync($"FAIL  {name}: {ex.Message}");
            }
        }

        await output.WriteLineAsync($"{checks.Count - failed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    private static bool TryParseUrl(string[] args, out Uri url, out string error)
    {
        var text = "https://localhost:8443";
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--url" && i + 1 < args.Length)
            {
                text = args[++i];
            }
            else if (args[i].StartsWith("--url=", StringComparison.Ordinal))
            {
                text = args[i]["--url=".Length..];
            }
            else
            {
                url = null!;
                error = $"unknown argument '{args[i]}'";
                return false;
            }
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out url!) || (url.Scheme != "https" && url.Scheme != "http"))
        {
            error = $"--url '{text}' is not an https:// (or h2c http://) URL";
            return false;
        }

        error = "";
        return true;
    }

    internal static bool IsConnectFailure(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is SocketException)
            {
                return true;
            }
        }

        return false;
    }
}
