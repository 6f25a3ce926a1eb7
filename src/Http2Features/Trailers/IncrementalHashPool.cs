using System.Security.Cryptography;
using Microsoft.Extensions.ObjectPool;

namespace Http2Features.Trailers;

/// <summary>
/// Reused <see cref="IncrementalHash"/> objects of one algorithm: rented when a checksum producer starts, returned reset
/// when it finished. Creating one per request costs a native digest context and a finalizable handle, more than
/// hashing a small body. Bounded (<see cref="MaxRetained"/>): what does not fit is disposed.
/// </summary>
internal sealed class IncrementalHashPool
{
    // More than the requests one process hashes at the same moment on a busy server; the rest are created and disposed.
    internal const int MaxRetained = 64;

#pragma warning disable CA5351 // content-md5 is an integrity check the client asked for, not a security boundary.
    public static readonly IncrementalHashPool Md5 = new(HashAlgorithmName.MD5, 16);
#pragma warning restore CA5351
    public static readonly IncrementalHashPool Sha256 = new(HashAlgorithmName.SHA256, 32);
    public static readonly IncrementalHashPool Sha512 = new(HashAlgorithmName.SHA512, 64);

    private readonly int _hashSize;
    private readonly ObjectPool<IncrementalHash> _pool;

    private IncrementalHashPool(HashAlgorithmName algorithm, int hashSize)
    {
        _hashSize = hashSize;
        // The provider's pool for an IDisposable type disposes what it cannot keep.
        _pool = new DefaultObjectPoolProvider { MaximumRetained = MaxRetained }.Create(new Policy(algorithm));
    }

    public IncrementalHash Rent() => _pool.Get();

    /// <summary>
    /// Gives the hash back (the pool disposes it when full) and clears <paramref name="hash"/>. Unless
    /// <paramref name="isReset"/> (its hash was just taken), it is reset first: it may hold part of a body whose response
    /// never finished.
    /// </summary>
    public void Return(ref IncrementalHash? hash, bool isReset = false)
    {
        var item = hash;
        hash = null;
        if (item is null)
        {
            return;
        }

        if (!isReset)
        {
            Span<byte> discard = stackalloc byte[64];
            item.TryGetHashAndReset(discard[.._hashSize], out _);
        }

        _pool.Return(item);
    }

    private sealed class Policy(HashAlgorithmName algorithm) : IPooledObjectPolicy<IncrementalHash>
    {
        public IncrementalHash Create() => IncrementalHash.CreateHash(algorithm);

        public bool Return(IncrementalHash obj) => true;
    }
}
