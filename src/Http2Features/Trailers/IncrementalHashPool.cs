using System.Security.Cryptography;

namespace Http2Features.Trailers;

/// <summary>
/// Reused <see cref="IncrementalHash"/> objects of one algorithm. A hash is rented when a checksum producer starts and
/// returned, reset, when it finished: one slot per thread (the common case: no synchronisation) and a small shared array
/// for hashes returned on another thread than the one that will rent next. Bounded: what does not fit is disposed.
/// </summary>
internal sealed class IncrementalHashPool
{
    // Enough for the requests one process hashes at the same time on a busy server; the rest are created and disposed.
    internal const int SharedSlots = 32;

#pragma warning disable CA5351 // content-md5 is an integrity check the client asked for, not a security boundary.
    public static readonly IncrementalHashPool Md5 = new(HashAlgorithmName.MD5, 16);
#pragma warning restore CA5351
    public static readonly IncrementalHashPool Sha256 = new(HashAlgorithmName.SHA256, 32);
    public static readonly IncrementalHashPool Sha512 = new(HashAlgorithmName.SHA512, 64);

    [ThreadStatic]
    private static IncrementalHash?[]? t_slots;

    private readonly HashAlgorithmName _algorithm;
    private readonly int _hashSize;
    private readonly int _index;
    private readonly IncrementalHash?[] _shared = new IncrementalHash?[SharedSlots];

    private IncrementalHashPool(HashAlgorithmName algorithm, int hashSize)
    {
        _algorithm = algorithm;
        _hashSize = hashSize;
        _index = hashSize switch { 16 => 0, 32 => 1, _ => 2 };
    }

    public IncrementalHash Rent()
    {
        var slots = t_slots;
        if (slots is not null && slots[_index] is { } local)
        {
            slots[_index] = null;
            return local;
        }

        for (var i = 0; i < _shared.Length; i++)
        {
            if (Volatile.Read(ref _shared[i]) is { } candidate && Interlocked.CompareExchange(ref _shared[i], null, candidate) == candidate)
            {
                return candidate;
            }
        }

        return IncrementalHash.CreateHash(_algorithm);
    }

    /// <summary>
    /// Keeps the hash, or disposes it when the pool is full; clears <paramref name="hash"/>. Unless <paramref name="isReset"/>
    /// (its hash was just taken), it is reset first: it may hold part of a body whose response never finished.
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

        var slots = t_slots ??= new IncrementalHash?[3];
        if (slots[_index] is null)
        {
            slots[_index] = item;
            return;
        }

        for (var i = 0; i < _shared.Length; i++)
        {
            if (Interlocked.CompareExchange(ref _shared[i], item, null) is null)
            {
                return;
            }
        }

        item.Dispose();
    }
}
