using System.Buffers;
using System.Security.Cryptography;
using ArtifactStore.Core.Hashing;

namespace ArtifactStore.Core.Blobs;

/// <summary>
/// The digest a read is checked against (docs/upload.md, "Reading back"): the blob's BLAKE3 when the caller
/// passes the one recorded with it and the blob is at least <see cref="Blake3From"/> bytes, else its SHA-256
/// address. Both were computed at upload from the same bytes, so either one proves the bytes read are the bytes
/// stored. Measured here (<c>bench verify-digests</c>, docs/performance.md, "Downloads"): BLAKE3 is about 4x
/// faster than SHA-256 (SHA-NI) from 16 KiB up and 2x at 8 KiB, but at 4 KiB and below it is about 2.5x slower,
/// so small blobs keep SHA-256. A recorded BLAKE3 that is not 64 hex digits is ignored, never trusted.
/// </summary>
internal sealed class ReadCheck : IDisposable
{
    /// <summary>The size from which BLAKE3 is the cheaper check.</summary>
    public const long Blake3From = 8 * 1024;

    private const int DigestBytes = 32;
    private readonly BlobDigest _address;
    private readonly byte[]? _blake3;
    private readonly Blake3Hasher? _blake3Hasher;
    private readonly IncrementalHash? _sha256;

    private ReadCheck(BlobDigest address, byte[]? blake3)
    {
        _address = address;
        _blake3 = blake3;
        if (blake3 is not null)
        {
            _blake3Hasher = Blake3Hasher.Create();
        }
        else
        {
            _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }
    }

    /// <summary>An incremental check of a blob of <paramref name="length"/> bytes read in pieces.</summary>
    public static ReadCheck Start(BlobDigest address, string? blake3Hex, long length)
    {
        Span<byte> expected = stackalloc byte[DigestBytes];
        return new ReadCheck(address, length >= Blake3From && TryParse(blake3Hex, expected) ? expected.ToArray() : null);
    }

    /// <summary>Whether <paramref name="data"/>, a whole blob, has the recorded digest.</summary>
    public static bool Matches(ReadOnlySpan<byte> data, BlobDigest address, string? blake3Hex)
    {
        Span<byte> expected = stackalloc byte[DigestBytes];
        Span<byte> actual = stackalloc byte[DigestBytes];
        if (data.Length >= Blake3From && TryParse(blake3Hex, expected))
        {
            Blake3Hasher.Hash(data, actual);
            return actual.SequenceEqual(expected);
        }

        SHA256.HashData(data, actual);
        return BlobDigest.FromBytes(actual) == address;
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_blake3Hasher is not null)
        {
            _blake3Hasher.Update(data);
        }
        else
        {
            _sha256!.AppendData(data);
        }
    }

    /// <summary>Whether everything appended has the recorded digest; <paramref name="actual"/> names what it hashed to.</summary>
    public bool Finish(out string actual)
    {
        Span<byte> hash = stackalloc byte[DigestBytes];
        if (_blake3Hasher is not null)
        {
            _blake3Hasher.Finalize(hash);
            actual = "blake3:" + Convert.ToHexStringLower(hash);
            return hash.SequenceEqual(_blake3);
        }

        _sha256!.GetHashAndReset(hash);
        var digest = BlobDigest.FromBytes(hash);
        actual = digest.ToString();
        return digest == _address;
    }

    public void Dispose()
    {
        _blake3Hasher?.Dispose();
        _sha256?.Dispose();
    }

    private static bool TryParse(string? hex, Span<byte> destination) =>
        hex is { Length: DigestBytes * 2 } &&
        Convert.FromHexString(hex, destination, out _, out var written) == OperationStatus.Done && written == DigestBytes;
}
