using System.Buffers.Binary;
using ArtifactStore.Core.Hashing;

namespace ArtifactStore.Core.Blobs;

/// <summary>
/// SHA-256 and BLAKE3 of the same bytes, like <see cref="DualDigester"/>, but with a state that can be saved
/// and restored in another process (docs/upload.md, "Upload sessions on scale-out"): a session's chunks may
/// reach different replicas, and finishing must not read the upload again.
/// <para>
/// The saved form is versioned by its first byte because it outlives the code that wrote it: it sits in the
/// rows of open upload sessions across an upgrade. A new layout (another implementation's state, say) takes the
/// next version, and <see cref="Import"/> keeps reading every earlier one; a version it does not know (a state
/// written by a newer build, before a downgrade) is refused, never guessed at, since a wrong state would give a
/// wrong digest. Version 1 is the only layout so far; <c>ResumableDigestsFormatTests</c> restores states that
/// version 1 saved, so a change that stops reading them fails there.
/// </para>
/// </summary>
public sealed class ResumableDigests
{
    /// <summary>The version <see cref="ExportState"/> writes: SHA-256's state (<see cref="ResumableSha256.StateSize"/> bytes), then BLAKE3's.</summary>
    public const byte CurrentVersion = 1;
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
        state[0] = CurrentVersion;
        _sha256.ExportState().CopyTo(state, 1);
        blake3.CopyTo(state, 1 + ResumableSha256.StateSize);
        return state;
    }

    /// <exception cref="FormatException">
    /// The state is of a version this build does not read, is not one <see cref="ExportState"/> wrote, or its two
    /// halves disagree on the length.
    /// </exception>
    public static ResumableDigests Import(ReadOnlySpan<byte> state) => VersionOf(state) switch
    {
        1 => ImportVersion1(state),
        var version => throw new FormatException(
            $"a saved digest state of version {version}; this build reads versions 1 to {CurrentVersion}"),
    };

    /// <summary>The number of bytes a saved state covers, read without restoring it.</summary>
    /// <exception cref="FormatException">The state is of a version this build does not read, or too short.</exception>
    public static long LengthOf(ReadOnlySpan<byte> state) => VersionOf(state) switch
    {
        1 when state.Length >= 1 + ResumableSha256.StateSize => BinaryPrimitives.ReadInt64BigEndian(state.Slice(1 + 32, 8)),
        var version => throw new FormatException($"a saved digest state of version {version} that this build cannot read"),
    };

    private static byte VersionOf(ReadOnlySpan<byte> state) =>
        state.IsEmpty ? throw new FormatException("a saved digest state is empty") : state[0];

    /// <summary>Version 1: the version byte, <see cref="ResumableSha256"/>'s state, <see cref="ResumableBlake3"/>'s state.</summary>
    private static ResumableDigests ImportVersion1(ReadOnlySpan<byte> state)
    {
        if (state.Length < 1 + ResumableSha256.StateSize)
        {
            throw new FormatException($"a saved digest state of version 1 holds at least {1 + ResumableSha256.StateSize} bytes");
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
}
