using System.Diagnostics;
using System.Text;
using FluentAssertions;
using Http2Features.Configuration;

namespace Http2Features.Tests.Configuration;

/// <summary>The config reader is bounded: a size limit with a clear error, and memory linear and small below it.</summary>
public sealed class GunicornConfigFileBoundsTests : IDisposable
{
    private readonly GunicornTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void A_file_over_the_limit_is_refused_quickly_without_reading_it()
    {
        var path = Path.Combine(_files.Root, "huge.conf.py");
        using (var f = File.Create(path))
        {
            f.SetLength(50L * 1024 * 1024); // sparse: 50 MB of NULs, the size from the issue
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var result = _files.Load(args: ["-c", path]);
        watch.Stop();

        result.ErrorMessages.Should().ContainSingle().Which.Should()
            .Contain("is 52428800 bytes; the binder reads config files of at most 2097152 (2 MiB) bytes");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(1024 * 1024, "the file is not read");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_1_MB_file_parses_with_allocations_linear_and_small_in_its_size()
    {
        var small = Allocations(Lines(128 * 1024), out var smallResult);
        var large = Allocations(Lines(1024 * 1024), out var largeResult);

        largeResult.ErrorMessages.Should().BeEmpty();
        largeResult.Settings!.Process.Backlog.Should().Be(64, "the real setting at the end is still read");
        largeResult.Diagnostics.Count.Should().BeLessThan(30, "unknown names are listed up to a cap, then counted");
        smallResult.Settings.Should().NotBeNull();
        large.Should().BeLessThan(40L * 1024 * 1024, "a 1 MB file costs tens of MB at most (it was ~100x its size resident before)");
        ((double)large / small).Should().BeLessThan(8 * 1.5, "8x the file is at most ~8x the allocations: linear, not quadratic");
    }

    private static string Lines(int bytes)
    {
        var sb = new StringBuilder(bytes + 32);
        for (var i = 0; sb.Length < bytes; i++)
        {
            sb.Append('a').Append(i % 1000).Append(" = 1\n");
        }

        return sb.Append("backlog = 64\n").ToString();
    }

    private long Allocations(string text, out GunicornLoadResult result)
    {
        var path = _files.Write("g" + text.Length + ".conf.py", text);
        GC.Collect();
        var before = GC.GetAllocatedBytesForCurrentThread();
        result = _files.Load(args: ["-c", path]);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
