using System.Diagnostics;
using FluentAssertions;

namespace Http2Features.Tests.Configuration;

/// <summary>
/// Bad input as a user meets it: the example app started as a real process with an invalid setting must print one
/// clear message (setting, source, safe value, allowed form) on stderr and exit 1 like gunicorn, with no unhandled
/// exception, no stack trace and no second copy of the message.
/// </summary>
public sealed class GunicornBadInputProcessTests : IDisposable
{
    private readonly GunicornTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    public static TheoryData<string, string[], string?, string> Cases() => new()
    {
        { "out of range flag", ["--limit-request-fields=-1"], null,
            "limit_request_fields = -1 (command-line flag --limit-request-fields): out of range; allowed: an integer in 0..2147483647" },
        { "NUL in certfile", ["-c", "{file}"], "certfile = \"server\\0.crt\"\nkeyfile = \"server.key\"\n",
            "certfile = \"server\\0.crt\" ({file}:1): the path contains a NUL character; allowed: a file path" },
        { "NUL in a unix bind", ["-c", "{file}"], "bind = \"unix:/tmp/a\\0b.sock\"\n",
            "bind = \"unix:/tmp/a\\0b.sock\" ({file}:1): 'unix:/tmp/a\\0b.sock' is not a valid address: the socket path contains a NUL character" },
        { "bind with a space", ["-b", "127.0.0.1:8000 127.0.0.1:8001"], null,
            "bind = 127.0.0.1:8000 127.0.0.1:8001 (command-line flag -b): '127.0.0.1:8000 127.0.0.1:8001' is not a valid address: an address has no spaces" },
        { "control characters", ["--log-level", "\u001b[31mred\nfake"], null,
            "loglevel = \\x1b[31mred\\nfake (command-line flag --log-level): unknown level; allowed: debug, info, warning, error or critical" },
        { "overflowing number", ["-c", "{file}"], "backlog = 100000000000000000000000000000\n",
            "backlog = 100000000000000000000000000000 ({file}:1): out of range; allowed: an integer in 1..2147483647" },
        { "nested-list bind", ["-c", "{file}"], "bind = [[\"127.0.0.1:0\"]]\n",
            "bind = [[\"127.0.0.1:0\"]] ({file}:1): each entry must be a string (a nested list is not an address)" },
        { "computed bind", ["-c", "{file}"], "import os\nbind = os.environ[\"BIND\"]\n",
            "bind ({file}:2): 'bind' is not assigned a plain literal" },
        { "long value", ["--worker-class", new string('x', 5000)], null,
            "worker_class = " + new string('x', 120) + "... (5000 characters) (command-line flag --worker-class): unknown worker class" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Invalid_setting_ends_the_real_process_with_one_message_and_exit_code_1(string what, string[] args, string? file, string expected)
    {
        var path = file is null ? null : _files.Write("gunicorn.conf.py", file);
        var result = await RunExampleAsync(args.Select(a => a.Replace("{file}", path, StringComparison.Ordinal)));

        result.ExitCode.Should().Be(1, what + ": gunicorn exits 1 on a bad setting (" + result + ")");
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().ContainSingle(what + ": one message, no stack trace (" + result + ")")
            .Which.Should().StartWith("Error: invalid gunicorn setting: " + expected.Replace("{file}", path, StringComparison.Ordinal));
        (result.Stdout + result.Stderr).Should().NotContain("Unhandled exception").And.NotContain("   at ");
    }

    /// <summary>The example app's own binary (built next to the tests), in an empty content root, without GUNICORN_CMD_ARGS.</summary>
    private async Task<(int ExitCode, string Stdout, string Stderr)> RunExampleAsync(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _files.Root,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "http2_features.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment.Remove("GUNICORN_CMD_ARGS");
        psi.Environment["ASPNETCORE_URLS"] = null;
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
