using System.Buffers;
using System.IO.Pipelines;

namespace Http2Features.Connection;

/// <summary>
/// Holds Kestrel's writes while the pack's own 103 flush is in flight on the inner writer (a PipeWriter
/// must not be used by two writers at once); copied to the inner writer, in order, at Kestrel's next flush.
/// </summary>
internal sealed class OutputStaging
{
    private const int SegmentSize = 4096;
    private readonly List<(byte[] Buffer, int Length)> _segments = [];

    public bool HasData => _segments.Count > 0;

    public long Length
    {
        get
        {
            long total = 0;
            foreach (var segment in _segments)
            {
                total += segment.Length;
            }

            return total;
        }
    }

    public Memory<byte> GetMemory(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_segments.Count > 0)
        {
            var (buffer, length) = _segments[^1];
            if (buffer.Length - length >= sizeHint)
            {
                return buffer.AsMemory(length);
            }
        }

        _segments.Add((ArrayPool<byte>.Shared.Rent(Math.Max(sizeHint, SegmentSize)), 0));
        return _segments[^1].Buffer;
    }

    public void Advance(int count)
    {
        var (buffer, length) = _segments[^1];
        if (count < 0 || length + count > buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Advanced past the end of the buffer.");
        }

        _segments[^1] = (buffer, length + count);
    }

    public void CopyTo(PipeWriter writer)
    {
        foreach (var (buffer, length) in _segments)
        {
            if (length > 0)
            {
                writer.Write(buffer.AsSpan(0, length));
            }

            ArrayPool<byte>.Shared.Return(buffer);
        }

        _segments.Clear();
    }
}
