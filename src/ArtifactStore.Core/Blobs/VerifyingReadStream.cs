namespace ArtifactStore.Core.Blobs;

/// <summary>
/// Passes a blob through while hashing it; at the end of the stream, a digest or length mismatch
/// throws <see cref="BlobCorruptException"/> instead of reporting a clean end. Used for blobs too
/// large to verify before the first byte goes out. Checks the recorded BLAKE3 when it is given (<see cref="ReadCheck"/>).
/// </summary>
internal sealed class VerifyingReadStream(Stream inner, BlobDigest expected, long expectedLength, string? blake3Hex = null) : ReadOnlyStream
{
    private readonly ReadCheck _hash = ReadCheck.Start(expected, blake3Hex, expectedLength);
    private long _seen;
    private bool _checked;

    public override long Length => expectedLength;

    public override long Position
    {
        get => _seen;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        return Account(buffer[..read], endOfStream: read == 0 && buffer.Length > 0);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        return Account(buffer.Span[..read], endOfStream: read == 0 && buffer.Length > 0);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Account(ReadOnlySpan<byte> data, bool endOfStream)
    {
        _seen += data.Length;
        if (_seen > expectedLength)
        {
            throw new BlobCorruptException($"blob {expected} is longer on disk than recorded ({expectedLength} bytes)");
        }

        if (data.Length > 0)
        {
            _hash.Append(data);
            return data.Length;
        }

        if (endOfStream && !_checked)
        {
            _checked = true;
            var matches = _hash.Finish(out var actual);
            if (!matches || _seen != expectedLength)
            {
                throw new BlobCorruptException($"blob {expected} failed verification: read {_seen} bytes hashing to {actual}");
            }
        }

        return 0;
    }
}
