namespace ArtifactStore.Bench.OwnBlake3;

/// <summary>
/// The chunk being filled byte by byte: its running chaining value and its last, not yet
/// compressed block (held back because the chunk's final block gets the CHUNK_END flag).
/// </summary>
internal sealed class Blake3ChunkState
{
    private readonly uint[] _key;
    private readonly uint _flags;
    private readonly uint[] _cv = new uint[8];
    private readonly byte[] _block = new byte[Blake3Core.BlockLength];
    private int _blockLength;
    private int _blocksCompressed;

    public Blake3ChunkState(uint[] key, uint flags)
    {
        _key = key;
        _flags = flags;
        Start(0);
    }

    /// <summary>The chunk's index in the input, which is its counter.</summary>
    public ulong Counter { get; private set; }

    /// <summary>Bytes taken into this chunk so far.</summary>
    public int Length => (_blocksCompressed * Blake3Core.BlockLength) + _blockLength;

    /// <summary>Empties the state for chunk number <paramref name="counter"/>.</summary>
    public void Start(ulong counter)
    {
        _key.CopyTo(_cv, 0);
        Counter = counter;
        _blockLength = 0;
        _blocksCompressed = 0;
    }

    /// <summary>Adds bytes; the caller keeps the total within one chunk.</summary>
    public void Update(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            // A full block is compressed only once more input shows it is not the chunk's last.
            if (_blockLength == Blake3Core.BlockLength)
            {
                var flags = _flags | (_blocksCompressed == 0 ? Blake3Core.ChunkStart : 0);
                Blake3Core.CompressCv(_cv, _block, Counter, Blake3Core.BlockLength, flags, _cv);
                _blocksCompressed++;
                _blockLength = 0;
            }

            var take = Math.Min(Blake3Core.BlockLength - _blockLength, data.Length);
            data[..take].CopyTo(_block.AsSpan(_blockLength));
            _blockLength += take;
            data = data[take..];
        }
    }

    /// <summary>The chunk as a node whose last compression is still to be done.</summary>
    public Blake3Output Output() =>
        new(_cv, _block.AsSpan(0, _blockLength), Counter,
            _flags | (_blocksCompressed == 0 ? Blake3Core.ChunkStart : 0) | Blake3Core.ChunkEnd);
}
