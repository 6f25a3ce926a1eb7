using System.Security.Cryptography;

namespace Http2Features.Trailers;

/// <summary>Incremental hashes of the response body; memory stays constant whatever the body size.</summary>
internal sealed class BodyHasher : IDisposable
{
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
        if (BytesHashed != 0)
        {
            return;
        }

#pragma warning disable CA5351 // content-md5 is an integrity check the client asked for, not a security boundary.
        if (algorithms.HasFlag(ChecksumTrailers.ContentMd5))
        {
            _md5 ??= IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        }
#pragma warning restore CA5351

        if (algorithms.HasFlag(ChecksumTrailers.ReprDigestSha256))
        {
            _sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }

        if (algorithms.HasFlag(ChecksumTrailers.ReprDigestSha512))
        {
            _sha512 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        }

        Algorithms |= algorithms;
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        // After the trailers went out (and the hashes were disposed) late writes are simply not hashed.
        if (data.IsEmpty || _disposed)
        {
            return;
        }

        BytesHashed += data.Length;
        _md5?.AppendData(data);
        _sha256?.AppendData(data);
        _sha512?.AppendData(data);
    }

    /// <summary>The <c>content-md5</c> value: lower-case hex, or null when not requested.</summary>
    public string? ContentMd5() => _md5 is null || _disposed ? null : Convert.ToHexStringLower(_md5.GetHashAndReset());

    /// <summary>The <c>repr-digest</c> value: an RFC 8941 dictionary of byte sequences, or null when not requested.</summary>
    public string? ReprDigest()
    {
        if ((_sha256 is null && _sha512 is null) || _disposed)
        {
            return null;
        }

        var parts = new List<string>(2);
        if (_sha256 is not null)
        {
            parts.Add("sha-256=:" + Convert.ToBase64String(_sha256.GetHashAndReset()) + ":");
        }

        if (_sha512 is not null)
        {
            parts.Add("sha-512=:" + Convert.ToBase64String(_sha512.GetHashAndReset()) + ":");
        }

        return string.Join(", ", parts);
    }

    public void Dispose()
    {
        _disposed = true;
        _md5?.Dispose();
        _sha256?.Dispose();
        _sha512?.Dispose();
    }
}
