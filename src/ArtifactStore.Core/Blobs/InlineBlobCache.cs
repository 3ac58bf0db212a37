using System.Collections.Concurrent;

namespace ArtifactStore.Core.Blobs;

/// <summary>
/// The bytes of recently downloaded inline blobs in memory, bounded by <c>Uploads:InlineCacheBytes</c> (docs/upload.md,
/// "The download path"), so a download of a small file costs no database query. Keyed by content address: the bytes
/// at an address never change, so an entry can never be stale, only absent. It is no authority: every read from it is
/// still verified against the recorded digest (<see cref="BlobReader.ReadSmallAsync"/>), and a read that fails
/// verification drops the entry (<see cref="IBlobStore.DropCachedBytes"/>). Whether a blob may be served at all is
/// decided before it is read, by the package (or OCI) lookup; the collector drops an entry when it deletes the blob.
/// <para>
/// Evicts with CLOCK (second chance): a hit only sets a flag, without a lock, so concurrent downloads do not
/// contend; adding takes a lock and, when the bytes would not fit, sweeps a hand over the entries, clearing flags
/// and evicting the first entry not used since the hand last passed it.
/// </para>
/// </summary>
public sealed class InlineBlobCache
{
    /// <summary>The default size: 32 MiB holds some 8,000 files of 4 KiB.</summary>
    public const long DefaultCapacityBytes = 32L * 1024 * 1024;

    // What an entry costs besides its bytes (the entry, its key string, the dictionary node), charged so that
    // many tiny blobs cannot hold much more memory than the limit says.
    private const int EntryOverheadBytes = 256;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly List<Entry?> _ring = [];
    private readonly Stack<int> _freeSlots = new();
    private readonly Lock _gate = new();
    private readonly long _capacityBytes;
    private long _bytes;
    private int _hand;

    /// <param name="capacityBytes">The most bytes the entries may cost together; 0 turns the cache off.</param>
    public InlineBlobCache(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityBytes);
        _capacityBytes = capacityBytes;
    }

    public bool Enabled => _capacityBytes > 0;

    /// <summary>How many blobs are held.</summary>
    public int Count => _entries.Count;

    /// <summary>What the held entries cost, in bytes (their bytes plus a fixed overhead each).</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>The held bytes of <paramref name="digest"/>, unverified, or null. The caller must not change them.</summary>
    public byte[]? Find(BlobDigest digest)
    {
        if (!_entries.TryGetValue(digest.Hex, out var entry))
        {
            return null;
        }

        entry.Referenced = true;
        return entry.Bytes;
    }

    /// <summary>
    /// Holds <paramref name="bytes"/> as the content of <paramref name="digest"/>; the array is kept, not copied, so the
    /// caller hands it over. Evicts what has not been used lately to make room; content larger than the whole cache is not held.
    /// </summary>
    public void Add(BlobDigest digest, byte[] bytes)
    {
        var cost = Cost(bytes);
        if (cost > _capacityBytes || _entries.ContainsKey(digest.Hex))
        {
            return;
        }

        lock (_gate)
        {
            if (_entries.ContainsKey(digest.Hex))
            {
                return;
            }

            while (_bytes + cost > _capacityBytes)
            {
                EvictOne();
            }

            var entry = new Entry(digest.Hex, bytes);
            if (_freeSlots.TryPop(out var slot))
            {
                _ring[slot] = entry;
            }
            else
            {
                slot = _ring.Count;
                _ring.Add(entry);
            }

            entry.Slot = slot;
            _bytes += cost;
            _entries[digest.Hex] = entry;
        }
    }

    /// <summary>Drops the entry of <paramref name="digest"/>, if any: its blob was deleted, or its bytes failed verification.</summary>
    public void Remove(BlobDigest digest)
    {
        if (!_entries.ContainsKey(digest.Hex))
        {
            return;
        }

        lock (_gate)
        {
            if (_entries.TryGetValue(digest.Hex, out var entry))
            {
                Drop(entry);
            }
        }
    }

    private static long Cost(byte[] bytes) => bytes.LongLength + EntryOverheadBytes;

    // Under the lock, with at least one entry held (the caller needs room, so something costs bytes). Two passes of the
    // hand at most: the first clears every flag it finds set, the second then finds an entry without one.
    private void EvictOne()
    {
        while (true)
        {
            if (_hand >= _ring.Count)
            {
                _hand = 0;
            }

            var entry = _ring[_hand];
            _hand++;
            if (entry is null)
            {
                continue;
            }

            if (entry.Referenced)
            {
                entry.Referenced = false;
                continue;
            }

            Drop(entry);
            return;
        }
    }

    // Under the lock.
    private void Drop(Entry entry)
    {
        _entries.TryRemove(entry.Key, out _);
        _ring[entry.Slot] = null;
        _freeSlots.Push(entry.Slot);
        _bytes -= Cost(entry.Bytes);
    }

    private sealed class Entry(string key, byte[] bytes)
    {
        public string Key { get; } = key;

        public byte[] Bytes { get; } = bytes;

        /// <summary>The slot in the ring; changed only under the lock.</summary>
        public int Slot { get; set; }

        /// <summary>Set by a hit, cleared by the passing hand: the second chance.</summary>
        public bool Referenced
        {
            get => Volatile.Read(ref _referenced);
            set => Volatile.Write(ref _referenced, value);
        }

        private bool _referenced;
    }
}
