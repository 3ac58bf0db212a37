using System.Numerics;

namespace ArtifactStore.Bench.OwnBlake3;

/// <summary>
/// Our former BLAKE3, replaced in Core by the Blake3 package and kept here only so that the
/// <c>blake3</c> benchmark can compare the two on the same machine.
/// Incremental BLAKE3 (hash, keyed hash, key derivation, extendable output). Runs of whole chunks
/// are compressed several at a time in SIMD lanes; everything else follows the reference design:
/// a chunk state for the current chunk and a stack of subtree chaining values merged lazily.
/// Not thread-safe; one instance per stream.
/// </summary>
internal sealed class Blake3Hasher
{
    /// <summary>The default output length in bytes.</summary>
    public const int HashSizeInBytes = Blake3Core.OutputLength;

    /// <summary>The key length for <see cref="CreateKeyed(ReadOnlySpan{byte})"/>.</summary>
    public const int KeySizeInBytes = Blake3Core.KeyLength;

    // Runs of whole chunks are capped so their chaining values fit a small stack buffer; merging
    // above this size happens in the CV stack, one parent per 64 KiB, which costs nothing measurable.
    private const int MaxRunChunks = 64;

    // Updates smaller than this are gathered first: 64 chunks keep the SIMD lanes busy even when
    // the buffer starts mid-chunk, where a smaller one would leave many chunks to the narrow paths.
    private const int PendingCapacity = MaxRunChunks * Blake3Core.ChunkLength;

    private readonly uint[] _key = new uint[8];
    private readonly uint _flags;
    private readonly Blake3Backend _backend;
    private readonly Blake3ChunkState _chunk;
    private readonly Blake3CvStack _stack;
    private byte[]? _pending;
    private int _pendingLength;

    private Blake3Hasher(ReadOnlySpan<uint> key, uint flags, Blake3Backend backend)
    {
        key.CopyTo(_key);
        _flags = flags;
        _backend = backend;
        _chunk = new Blake3ChunkState(_key, flags);
        _stack = new Blake3CvStack(_key, flags);
    }

    /// <summary>A hasher for plain BLAKE3 hashing.</summary>
    public static Blake3Hasher Create() => new(Blake3Core.Iv, 0, Blake3HashMany.Default);

    /// <summary>A hasher for BLAKE3's keyed mode (a MAC / PRF).</summary>
    /// <exception cref="ArgumentException"><paramref name="key32"/> is not exactly 32 bytes.</exception>
    public static Blake3Hasher CreateKeyed(ReadOnlySpan<byte> key32)
    {
        if (key32.Length != KeySizeInBytes)
        {
            throw new ArgumentException($"A BLAKE3 key is {KeySizeInBytes} bytes, not {key32.Length}.", nameof(key32));
        }

        Span<uint> key = stackalloc uint[8];
        Blake3Core.BytesToWords(key32, key);
        return new Blake3Hasher(key, Blake3Core.KeyedHash, Blake3HashMany.Default);
    }

    /// <summary>
    /// A hasher for BLAKE3's key derivation mode: the input fed to it is the key material, and
    /// <paramref name="context"/> should be a hard-coded, globally unique, application-specific string.
    /// </summary>
    public static Blake3Hasher CreateDeriveKey(string context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var contextHasher = new Blake3Hasher(Blake3Core.Iv, Blake3Core.DeriveKeyContext, Blake3HashMany.Default);
        contextHasher.Update(System.Text.Encoding.UTF8.GetBytes(context));
        Span<byte> contextKey = stackalloc byte[KeySizeInBytes];
        contextHasher.Finalize(contextKey);
        Span<uint> key = stackalloc uint[8];
        Blake3Core.BytesToWords(contextKey, key);
        return new Blake3Hasher(key, Blake3Core.DeriveKeyMaterial, Blake3HashMany.Default);
    }

    /// <summary>The 32-byte BLAKE3 hash of <paramref name="data"/>.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        var hasher = Create();
        hasher.Absorb(data); // all input is at hand, so there is nothing to gather
        return hasher.Finalize();
    }

    /// <summary>Like <see cref="Create()"/>, but never using a back end wider than <paramref name="backend"/>; lets tests cover every path.</summary>
    internal static Blake3Hasher Create(Blake3Backend backend) => new(Blake3Core.Iv, 0, backend);

    /// <summary>Like <see cref="CreateKeyed(ReadOnlySpan{byte})"/> with a back end cap.</summary>
    internal static Blake3Hasher CreateKeyed(ReadOnlySpan<byte> key32, Blake3Backend backend) =>
        CreateKeyed(key32).WithBackend(backend);

    /// <summary>Like <see cref="CreateDeriveKey(string)"/> with a back end cap.</summary>
    internal static Blake3Hasher CreateDeriveKey(string context, Blake3Backend backend) =>
        CreateDeriveKey(context).WithBackend(backend);

    /// <summary>
    /// Adds <paramref name="data"/> to the input. Small spans are gathered into an internal buffer
    /// first, so that whole chunks still reach the SIMD path whatever size the caller reads in.
    /// </summary>
    public void Update(ReadOnlySpan<byte> data)
    {
        // Bytes that fit in the current chunk gain nothing from gathering, and small inputs then never allocate the buffer.
        if (_pendingLength == 0 && _chunk.Length + data.Length <= Blake3Core.ChunkLength)
        {
            if (!data.IsEmpty)
            {
                // With input after them, the subtrees on the stack are complete: merge as Absorb does,
                // or finalizing would join the new chunk to the last child instead of to their parent.
                _chunk.Update(data);
                _stack.Merge(_chunk.Counter);
            }

            return;
        }

        while (!data.IsEmpty && (_pendingLength > 0 || data.Length < PendingCapacity))
        {
            _pending ??= new byte[PendingCapacity];
            var take = Math.Min(PendingCapacity - _pendingLength, data.Length);
            data[..take].CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += take;
            data = data[take..];
            if (_pendingLength == PendingCapacity)
            {
                FlushPending();
            }
        }

        Absorb(data);
    }

    /// <summary>
    /// Writes the first <c>output.Length</c> bytes of the extendable output. Does not change the
    /// hasher: it may be called again, and more input may be added after it.
    /// </summary>
    public void Finalize(Span<byte> output)
    {
        // Handing buffered bytes on changes nothing observable: the tree does not depend on how input was split.
        FlushPending();
        _stack.Root(_chunk).RootBytes(output);
    }

    /// <summary>The 32-byte hash of the input so far; the hasher is left unchanged.</summary>
    public byte[] Finalize()
    {
        var hash = new byte[HashSizeInBytes];
        Finalize(hash);
        return hash;
    }

    /// <summary>Forgets all input, keeping the mode and key.</summary>
    public void Reset()
    {
        _chunk.Start(0);
        _stack.Clear();
        _pendingLength = 0;
    }

    private Blake3Hasher WithBackend(Blake3Backend backend) => new(_key, _flags, backend);

    private void FlushPending()
    {
        if (_pendingLength > 0)
        {
            var length = _pendingLength;
            _pendingLength = 0;
            Absorb(_pending.AsSpan(0, length));
        }
    }

    /// <summary>The reference design's update: top up the current chunk, hash runs of whole chunks, keep the rest.</summary>
    private void Absorb(ReadOnlySpan<byte> data)
    {
        // A partly filled chunk is topped up first; if more input follows, that chunk is complete.
        if (_chunk.Length > 0)
        {
            var take = Math.Min(Blake3Core.ChunkLength - _chunk.Length, data.Length);
            _chunk.Update(data[..take]);
            data = data[take..];
            if (data.IsEmpty)
            {
                return;
            }

            Span<uint> cv = stackalloc uint[8];
            _chunk.Output().ChainingValue(cv);
            Span<byte> cvBytes = stackalloc byte[Blake3Core.OutputLength];
            Blake3Core.WordsToBytes(cv, cvBytes);
            _stack.Push(cvBytes, _chunk.Counter);
            _chunk.Start(_chunk.Counter + 1);
        }

        // Whole chunks go through the lanes. A chunk is only held back when it could be the whole
        // input's only chunk, which must be finalized as the root: past 1024 bytes, the root is a parent.
        if (data.Length > Blake3Core.ChunkLength)
        {
            Span<byte> cvs = stackalloc byte[MaxRunChunks * Blake3Core.OutputLength];
            while (data.Length > Blake3Core.ChunkLength)
            {
                var chunks = Math.Min(data.Length / Blake3Core.ChunkLength, MaxRunChunks);
                Blake3HashMany.Hash(
                    _backend, data, Blake3Core.ChunkLength, chunks, Blake3Core.ChunkLength / Blake3Core.BlockLength, _key,
                    _chunk.Counter, incrementCounter: true, _flags, Blake3Core.ChunkStart, Blake3Core.ChunkEnd, cvs);
                PushRun(cvs[..(chunks * Blake3Core.OutputLength)]);
                data = data[(chunks * Blake3Core.ChunkLength)..];
            }
        }

        if (!data.IsEmpty)
        {
            _chunk.Update(data);
            _stack.Merge(_chunk.Counter);
        }
    }

    /// <summary>
    /// Pushes the chaining values of consecutive chunks starting at the current chunk counter, cut
    /// into the largest subtrees that start at a multiple of their own size (any other grouping
    /// would not be a subtree of the BLAKE3 tree). Each subtree is merged down to its root's two
    /// children, a level at a time, so wide levels use the SIMD lanes too.
    /// </summary>
    private void PushRun(Span<byte> cvs)
    {
        Span<byte> parents = stackalloc byte[(MaxRunChunks / 2) * Blake3Core.OutputLength];
        while (!cvs.IsEmpty)
        {
            var counter = _chunk.Counter;
            var size = (int)BitOperations.RoundUpToPowerOf2((uint)(cvs.Length / Blake3Core.OutputLength) + 1) / 2;
            while ((counter & (ulong)(size - 1)) != 0)
            {
                size /= 2;
            }

            var subtree = cvs[..(size * Blake3Core.OutputLength)];
            for (var count = size; count > 2; count /= 2)
            {
                // Adjacent CVs already sit side by side as 64-byte parent blocks.
                Blake3HashMany.Hash(
                    _backend, subtree, Blake3Core.BlockLength, count / 2, 1, _key, 0, incrementCounter: false,
                    _flags | Blake3Core.Parent, 0, 0, parents);
                parents[..(count / 2 * Blake3Core.OutputLength)].CopyTo(subtree);
            }

            // Push the root's two children, not the root: it may yet turn out to be the whole tree's root.
            _stack.Push(subtree[..Blake3Core.OutputLength], counter);
            if (size > 1)
            {
                _stack.Push(subtree.Slice(Blake3Core.OutputLength, Blake3Core.OutputLength), counter + ((ulong)size / 2));
            }

            _chunk.Start(counter + (ulong)size);
            cvs = cvs[(size * Blake3Core.OutputLength)..];
        }
    }
}
