using System.Buffers.Binary;
using System.Numerics;

namespace ArtifactStore.Core.Hashing;

/// <summary>
/// SHA-256 (FIPS 180-4) whose state can be saved and restored at any point (docs/upload.md, "Upload
/// sessions on scale-out"). .NET's SHA-256 cannot export its state, and an upload session on the scale-out
/// backend goes on in whichever replica the next chunk reaches, so the running hash travels with the session
/// in the database. The state is the eight working words, the length so far and the unfinished block
/// (under 64 bytes). Slower than the platform's implementation; used only where the state must move.
/// <para>
/// Hand-written because no library at hand saves the state: BouncyCastle's <c>Sha256Digest</c> for .NET
/// (2.7.0) has no encoded state (that is its Java API, <c>EncodableDigest</c>) and copies its state only to
/// another object in the same process (<c>IMemoable</c>); .NET's <c>SHA256</c> and <c>IncrementalHash</c> keep
/// theirs inside OpenSSL. Throughput against both: <c>bench resumable-digests</c> (docs/performance.md).
/// </para>
/// </summary>
public sealed class ResumableSha256
{
    /// <summary>The length of <see cref="ExportState"/>: 8 words, the length, the unfinished block's length and bytes.</summary>
    public const int StateSize = 32 + 8 + 1 + 64;

    private static readonly uint[] K =
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    private readonly uint[] _h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    private readonly byte[] _block = new byte[64];
    private int _blockLength;

    /// <summary>How many bytes were hashed so far.</summary>
    public long Length { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        Length += data.Length;
        if (_blockLength > 0)
        {
            var take = Math.Min(64 - _blockLength, data.Length);
            data[..take].CopyTo(_block.AsSpan(_blockLength));
            _blockLength += take;
            data = data[take..];
            if (_blockLength < 64)
            {
                return;
            }

            Compress(_h, _block);
            _blockLength = 0;
        }

        while (data.Length >= 64)
        {
            Compress(_h, data[..64]);
            data = data[64..];
        }

        data.CopyTo(_block);
        _blockLength = data.Length;
    }

    /// <summary>The 32-byte digest of the input so far; the state is left as it is, so more may be appended.</summary>
    public byte[] Current()
    {
        Span<uint> h = stackalloc uint[8];
        _h.CopyTo(h);
        Span<byte> tail = stackalloc byte[128];
        tail.Clear();
        _block.AsSpan(0, _blockLength).CopyTo(tail);
        tail[_blockLength] = 0x80;
        var blocks = _blockLength + 1 + 8 <= 64 ? 1 : 2;
        BinaryPrimitives.WriteUInt64BigEndian(tail.Slice((blocks * 64) - 8, 8), (ulong)Length * 8);
        for (var i = 0; i < blocks; i++)
        {
            Compress(h, tail.Slice(i * 64, 64));
        }

        var digest = new byte[32];
        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(i * 4), h[i]);
        }

        return digest;
    }

    /// <summary>The state, <see cref="StateSize"/> bytes, for <see cref="Import"/> (in this process or another).</summary>
    public byte[] ExportState()
    {
        var state = new byte[StateSize];
        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(state.AsSpan(i * 4), _h[i]);
        }

        BinaryPrimitives.WriteInt64BigEndian(state.AsSpan(32), Length);
        state[40] = (byte)_blockLength;
        _block.AsSpan(0, _blockLength).CopyTo(state.AsSpan(41));
        return state;
    }

    /// <summary>A hasher that goes on where the one that exported <paramref name="state"/> stood.</summary>
    /// <exception cref="FormatException">The state is not one <see cref="ExportState"/> wrote.</exception>
    public static ResumableSha256 Import(ReadOnlySpan<byte> state)
    {
        if (state.Length != StateSize || state[40] >= 64)
        {
            throw new FormatException($"a saved SHA-256 state is {StateSize} bytes with an unfinished block under 64 bytes");
        }

        var hasher = new ResumableSha256();
        for (var i = 0; i < 8; i++)
        {
            hasher._h[i] = BinaryPrimitives.ReadUInt32BigEndian(state[(i * 4)..]);
        }

        hasher.Length = BinaryPrimitives.ReadInt64BigEndian(state[32..]);
        hasher._blockLength = state[40];
        if (hasher.Length < 0 || hasher.Length % 64 != hasher._blockLength)
        {
            throw new FormatException("a saved SHA-256 state whose length does not match its unfinished block");
        }

        state.Slice(41, hasher._blockLength).CopyTo(hasher._block);
        return hasher;
    }

    private static void Compress(Span<uint> h, ReadOnlySpan<byte> block)
    {
        Span<uint> w = stackalloc uint[64];
        for (var i = 0; i < 16; i++)
        {
            w[i] = BinaryPrimitives.ReadUInt32BigEndian(block[(i * 4)..]);
        }

        for (var i = 16; i < 64; i++)
        {
            var s0 = BitOperations.RotateRight(w[i - 15], 7) ^ BitOperations.RotateRight(w[i - 15], 18) ^ (w[i - 15] >> 3);
            var s1 = BitOperations.RotateRight(w[i - 2], 17) ^ BitOperations.RotateRight(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }

        uint a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (var i = 0; i < 64; i++)
        {
            var s1 = BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25);
            var ch = (e & f) ^ (~e & g);
            var t1 = hh + s1 + ch + K[i] + w[i];
            var s0 = BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22);
            var maj = (a & b) ^ (a & c) ^ (b & c);
            var t2 = s0 + maj;
            hh = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }

        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += hh;
    }
}
