using System.Buffers;
using System.Collections.Concurrent;
using ArtifactStore.Core.Errors;

namespace ArtifactStore.Core.Blobs;

/// <summary>
/// Reads blobs so that bad bytes are never served as good ones. Small blobs are verified before the
/// first byte is returned; ranges are served only from blobs verified whole (remembered per
/// stored version); large whole reads are verified as they stream and fail at the end. A caller that
/// knows the blob's recorded BLAKE3 passes it, and the read is checked against that cheaper digest
/// instead of the SHA-256 address (<see cref="ReadCheck"/>, docs/upload.md, "Reading back").
/// </summary>
public sealed class BlobReader(IBlobStore store, long verifyUpFrontLimit = 4 * 1024 * 1024)
{
    private const int MaxRemembered = 100_000;
    private readonly ConcurrentDictionary<string, long> _verifiedVersions = new(StringComparer.Ordinal);

    /// <summary>
    /// Opens a blob whose recorded length is <paramref name="expectedLength"/>. With
    /// <paramref name="needRandomAccess"/> the whole blob is verified before returning a seekable stream.
    /// </summary>
    public Task<Result<ReadableBlob>> OpenAsync(BlobDigest digest, long expectedLength, bool needRandomAccess, CancellationToken cancellationToken) =>
        OpenAsync(digest, blake3Hex: null, expectedLength, needRandomAccess, cancellationToken);

    /// <summary>
    /// <see cref="OpenAsync(BlobDigest, long, bool, CancellationToken)"/>, checking the bytes against
    /// <paramref name="blake3Hex"/> (the BLAKE3 recorded with the blob) when it is given.
    /// </summary>
    public async Task<Result<ReadableBlob>> OpenAsync(BlobDigest digest, string? blake3Hex, long expectedLength, bool needRandomAccess, CancellationToken cancellationToken)
    {
        var content = await store.OpenReadAsync(digest, 0, cancellationToken);
        if (content is null)
        {
            return Corrupt(digest, "its bytes are missing from the blob store");
        }

        var handedOver = false;
        try
        {
            if (content.Length != expectedLength)
            {
                return Corrupt(digest, $"it is {content.Length} bytes on disk, {expectedLength} recorded");
            }

            if (content.Length <= verifyUpFrontLimit)
            {
                var bytes = new byte[content.Length];
                await content.Stream.ReadExactlyAsync(bytes, cancellationToken);
                if (!ReadCheck.Matches(bytes, digest, blake3Hex))
                {
                    return Corrupt(digest, "its bytes do not match its digest");
                }

                return new ReadableBlob(new MemoryStream(bytes, writable: false), content.Length, Verified: true);
            }

            if (needRandomAccess || IsRemembered(digest, content.Version))
            {
                if (!IsRemembered(digest, content.Version))
                {
                    if (!await HashesToAsync(content.Stream, digest, blake3Hex, content.Length, cancellationToken))
                    {
                        return Corrupt(digest, "its bytes do not match its digest");
                    }

                    Remember(digest, content.Version);
                    content.Stream.Position = 0;
                }

                handedOver = true;
                return new ReadableBlob(content.Stream, content.Length, Verified: true);
            }

            handedOver = true;
            return new ReadableBlob(new VerifyingReadStream(content.Stream, digest, expectedLength, blake3Hex), content.Length, Verified: false);
        }
        finally
        {
            if (!handedOver)
            {
                await content.DisposeAsync();
            }
        }
    }

    /// <summary>Whether a whole read of <paramref name="length"/> bytes is verified before its first byte goes out.</summary>
    public bool VerifiesUpFront(long length) => length <= verifyUpFrontLimit;

    /// <summary>
    /// Reads a whole blob of at most the up-front limit (<see cref="VerifiesUpFront"/>) into a pooled buffer and
    /// verifies it: the bytes are read once (<see cref="IBlobStore.ReadAsync"/>: for local files one open, read and
    /// close), hashed in place and then written by the caller in one go, with no stream in between
    /// (docs/upload.md, "Reading back"). A mismatch is <c>blob_corrupt</c> before anything is sent.
    /// </summary>
    public async Task<Result<PooledBlob>> ReadSmallAsync(BlobDigest digest, string? blake3Hex, long expectedLength, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(expectedLength, verifyUpFrontLimit);
        var length = (int)expectedLength;

        // One byte more than recorded: a read that fills it proves the stored blob is longer, without a stat.
        var buffer = ArrayPool<byte>.Shared.Rent(length + 1);
        try
        {
            var read = await store.ReadAsync(digest, buffer.AsMemory(0, length + 1), cancellationToken);
            if (read < 0)
            {
                return Corrupt(digest, "its bytes are missing from the blob store");
            }

            if (read != length)
            {
                return Corrupt(digest, read > length
                    ? $"it is longer on disk than the {expectedLength} bytes recorded"
                    : $"it is {read} bytes on disk, {expectedLength} recorded");
            }

            if (!ReadCheck.Matches(buffer.AsSpan(0, length), digest, blake3Hex))
            {
                return Corrupt(digest, "its bytes do not match its digest");
            }

            var verified = new PooledBlob(buffer, length);
            buffer = null;
            return verified;
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>Reads a whole blob and checks it against its address, without keeping it in memory.</summary>
    public static Task<bool> HashesToAsync(Stream stream, BlobDigest digest, CancellationToken cancellationToken) =>
        HashesToAsync(stream, digest, blake3Hex: null, length: 0, cancellationToken);

    private static async Task<bool> HashesToAsync(Stream stream, BlobDigest digest, string? blake3Hex, long length, CancellationToken cancellationToken)
    {
        using var hash = ReadCheck.Start(digest, blake3Hex, length);
        var buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.Append(buffer.AsSpan(0, read));
            }

            return hash.Finish(out _);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Forgets what was verified, for example after the bytes were replaced or found corrupt, and drops any copy the
    /// store keeps in memory, so a corrupt copy is read again from the stored bytes rather than refused forever.
    /// </summary>
    public void Forget(BlobDigest digest)
    {
        _verifiedVersions.TryRemove(digest.Hex, out _);
        store.DropCachedBytes(digest);
    }

    private bool IsRemembered(BlobDigest digest, long version) =>
        _verifiedVersions.TryGetValue(digest.Hex, out var seen) && seen == version;

    private void Remember(BlobDigest digest, long version)
    {
        if (_verifiedVersions.Count >= MaxRemembered)
        {
            _verifiedVersions.Clear();
        }

        _verifiedVersions[digest.Hex] = version;
    }

    private StoreError Corrupt(BlobDigest digest, string why)
    {
        Forget(digest);
        return new StoreError(ErrorCodes.BlobCorrupt, $"blob {digest} cannot be served: {why}",
            new Dictionary<string, object?> { ["digest"] = digest.ToString() });
    }
}
