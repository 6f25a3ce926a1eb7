using System.Security.Cryptography;

namespace Http2Features.Trailers;

/// <summary>
/// Incremental hashes of the response body; memory stays constant whatever the body size. The hash objects come from
/// <see cref="IncrementalHashPool"/>: creating one costs a native digest context (and a finalizable handle) per
/// request, which made the producer cost more than the hashing itself.
/// </summary>
internal sealed class BodyHasher : IDisposable
{
    private const string Sha256Prefix = "sha-256=:";
    private const string Sha512Prefix = "sha-512=:";

    private IncrementalHash? _md5;
    private IncrementalHash? _sha256;
    private IncrementalHash? _sha512;
    private bool _disposed;

    public BodyHasher(ChecksumTrailers algorithms) => Add(algorithms);

    public ChecksumTrailers Algorithms { get; private set; }

    public long BytesHashed { get; private set; }

    /// <summary>Adds algorithms; only valid before the first byte was hashed.</summary>
    public void Add(ChecksumTrailers algorithms)
    {
        if (BytesHashed != 0 || _disposed)
        {
            return;
        }

        if (algorithms.HasFlag(ChecksumTrailers.ContentMd5))
        {
            _md5 ??= IncrementalHashPool.Md5.Rent();
        }

        if (algorithms.HasFlag(ChecksumTrailers.ReprDigestSha256))
        {
            _sha256 ??= IncrementalHashPool.Sha256.Rent();
        }

        if (algorithms.HasFlag(ChecksumTrailers.ReprDigestSha512))
        {
            _sha512 ??= IncrementalHashPool.Sha512.Rent();
        }

        Algorithms |= algorithms;
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        // After the trailers went out (and the hashes went back to the pool) late writes are simply not hashed.
        if (data.IsEmpty || _disposed)
        {
            return;
        }

        BytesHashed += data.Length;
        _md5?.AppendData(data);
        _sha256?.AppendData(data);
        _sha512?.AppendData(data);
    }

    /// <summary>The <c>content-md5</c> value: lower-case hex, or null when not requested (or already taken).</summary>
    public string? ContentMd5()
    {
        if (_md5 is null || _disposed)
        {
            return null;
        }

        Span<byte> hash = stackalloc byte[16];
        _md5.TryGetHashAndReset(hash, out _);
        IncrementalHashPool.Md5.Return(ref _md5, isReset: true);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>The <c>repr-digest</c> value: an RFC 8941 dictionary of byte sequences, or null when not requested (or already taken).</summary>
    public string? ReprDigest()
    {
        if ((_sha256 is null && _sha512 is null) || _disposed)
        {
            return null;
        }

        // One string, built on the stack: "sha-256=:<base64>:" and/or "sha-512=:<base64>:", joined by ", ".
        Span<byte> hash = stackalloc byte[64];
        Span<char> chars = stackalloc char[160];
        var at = 0;
        if (_sha256 is not null)
        {
            _sha256.TryGetHashAndReset(hash, out var written);
            IncrementalHashPool.Sha256.Return(ref _sha256, isReset: true);
            at += Member(chars, Sha256Prefix, hash[..written]);
        }

        if (_sha512 is not null)
        {
            if (at > 0)
            {
                chars[at++] = ',';
                chars[at++] = ' ';
            }

            _sha512.TryGetHashAndReset(hash, out var written);
            IncrementalHashPool.Sha512.Return(ref _sha512, isReset: true);
            at += Member(chars[at..], Sha512Prefix, hash[..written]);
        }

        return new string(chars[..at]);

        static int Member(Span<char> destination, string prefix, ReadOnlySpan<byte> digest)
        {
            prefix.CopyTo(destination);
            Convert.TryToBase64Chars(digest, destination[prefix.Length..], out var written);
            destination[prefix.Length + written] = ':';
            return prefix.Length + written + 1;
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        IncrementalHashPool.Md5.Return(ref _md5);
        IncrementalHashPool.Sha256.Return(ref _sha256);
        IncrementalHashPool.Sha512.Return(ref _sha512);
    }
}
