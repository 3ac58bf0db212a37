using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using ArtifactStore.Core.Errors;

namespace ArtifactStore.Core.Blobs;

/// <summary>
/// Reads blobs so that bad bytes are never served as good ones. Small blobs are verified before the
/// first byte is returned; ranges are served only from blobs verified whole (remembered per
/// stored version); large whole reads are verified as they stream and fail at the end.
/// </summary>
public sealed class BlobReader(IBlobStore store, long verifyUpFrontLimit = 4 * 1024 * 1024)
{
    private const int MaxRemembered = 100_000;
    private readonly ConcurrentDictionary<string, long> _verifiedVersions = new(StringComparer.Ordinal);

    /// <summary>
    /// Opens a blob whose recorded length is <paramref name="expectedLength"/>. With
    /// <paramref name="needRandomAccess"/> the whole blob is verified before returning a seekable stream.
    /// </summary>
    public async Task<Result<ReadableBlob>> OpenAsync(BlobDigest digest, long expectedLength, bool needRandomAccess, CancellationToken cancellationToken)
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
                if (BlobDigest.FromBytes(SHA256.HashData(bytes)) != digest)
                {
                    return Corrupt(digest, "its bytes do not match its digest");
                }

                return new ReadableBlob(new MemoryStream(bytes, writable: false), content.Length, Verified: true);
            }

            if (needRandomAccess || IsRemembered(digest, content.Version))
            {
                if (!IsRemembered(digest, content.Version))
                {
                    if (!await HashesToAsync(content.Stream, digest, cancellationToken))
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
            return new ReadableBlob(new VerifyingReadStream(content.Stream, digest, expectedLength), content.Length, Verified: false);
        }
        finally
        {
            if (!handedOver)
            {
                await content.DisposeAsync();
            }
        }
    }

    /// <summary>Reads a whole blob and checks it against its address, without keeping it in memory.</summary>
    public static async Task<bool> HashesToAsync(Stream stream, BlobDigest digest, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }

            return BlobDigest.FromBytes(hash.GetHashAndReset()) == digest;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Forgets what was verified, for example after the bytes were replaced or found corrupt.</summary>
    public void Forget(BlobDigest digest) => _verifiedVersions.TryRemove(digest.Hex, out _);

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
