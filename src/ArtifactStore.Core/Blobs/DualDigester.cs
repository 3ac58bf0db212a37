using System.Buffers;
using System.Security.Cryptography;
using ArtifactStore.Core.Hashing;

namespace ArtifactStore.Core.Blobs;

/// <summary>SHA-256 and BLAKE3 of the same bytes, fed once (docs/upload.md, "Digests").</summary>
public sealed class DualDigester : IDisposable
{
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Blake3Hasher _blake3 = Blake3Hasher.Create();

    public long Length { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        _sha256.AppendData(data);
        _blake3.Update(data);
        Length += data.Length;
    }

    /// <summary>Appends what <paramref name="source"/> holds from where it stands to its end, read through one pooled buffer.</summary>
    public async Task AppendAllAsync(Stream source, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                Append(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Both digests of what was appended so far, leaving the state as it is: more may be appended after.</summary>
    public (BlobDigest Sha256, string Blake3Hex) Current()
    {
        Span<byte> sha = stackalloc byte[32];
        _sha256.GetCurrentHash(sha);
        Span<byte> blake = stackalloc byte[32];
        _blake3.Finalize(blake);
        return (BlobDigest.FromBytes(sha), Convert.ToHexStringLower(blake));
    }

    public (BlobDigest Sha256, string Blake3Hex) Finish()
    {
        Span<byte> sha = stackalloc byte[32];
        _sha256.GetHashAndReset(sha);
        Span<byte> blake = stackalloc byte[32];
        _blake3.Finalize(blake);
        return (BlobDigest.FromBytes(sha), Convert.ToHexStringLower(blake));
    }

    public void Dispose()
    {
        _sha256.Dispose();
        _blake3.Dispose();
    }
}
