using System.Buffers.Binary;
using ArtifactStore.Core.Hashing;

namespace ArtifactStore.Core.Blobs;

/// <summary>
/// SHA-256 and BLAKE3 of the same bytes, like <see cref="DualDigester"/>, but with a state that can be saved
/// and restored in another process (docs/upload.md, "Upload sessions on scale-out"): a session's chunks may
/// reach different replicas, and finishing must not read the upload again.
/// </summary>
public sealed class ResumableDigests
{
    private const byte Version = 1;
    private readonly ResumableSha256 _sha256;
    private readonly ResumableBlake3 _blake3;

    public ResumableDigests()
        : this(new ResumableSha256(), new ResumableBlake3())
    {
    }

    private ResumableDigests(ResumableSha256 sha256, ResumableBlake3 blake3)
    {
        _sha256 = sha256;
        _blake3 = blake3;
    }

    /// <summary>How many bytes were hashed so far.</summary>
    public long Length => _sha256.Length;

    public void Append(ReadOnlySpan<byte> data)
    {
        _sha256.Append(data);
        _blake3.Append(data);
    }

    /// <summary>Both digests of what was appended so far, leaving the state as it is.</summary>
    public (BlobDigest Sha256, string Blake3Hex) Current() =>
        (BlobDigest.FromBytes(_sha256.Current()), Convert.ToHexStringLower(_blake3.Current()));

    /// <summary>Both states in one value: a version byte, SHA-256's state, then BLAKE3's.</summary>
    public byte[] ExportState()
    {
        var blake3 = _blake3.ExportState();
        var state = new byte[1 + ResumableSha256.StateSize + blake3.Length];
        state[0] = Version;
        _sha256.ExportState().CopyTo(state, 1);
        blake3.CopyTo(state, 1 + ResumableSha256.StateSize);
        return state;
    }

    /// <exception cref="FormatException">The state is not one <see cref="ExportState"/> wrote, or its two halves disagree on the length.</exception>
    public static ResumableDigests Import(ReadOnlySpan<byte> state)
    {
        if (state.Length < 1 + ResumableSha256.StateSize || state[0] != Version)
        {
            throw new FormatException($"a saved digest state must start with version {Version}");
        }

        var digests = new ResumableDigests(
            ResumableSha256.Import(state.Slice(1, ResumableSha256.StateSize)),
            ResumableBlake3.Import(state[(1 + ResumableSha256.StateSize)..]));
        if (digests._sha256.Length != digests._blake3.Length)
        {
            throw new FormatException($"a saved digest state whose SHA-256 covers {digests._sha256.Length} bytes and BLAKE3 {digests._blake3.Length}");
        }

        return digests;
    }

    /// <summary>The number of bytes a saved state covers, read without restoring it.</summary>
    public static long LengthOf(ReadOnlySpan<byte> state) => BinaryPrimitives.ReadInt64BigEndian(state.Slice(1 + 32, 8));
}
