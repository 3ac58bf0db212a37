using System.Security.Cryptography;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Hashing;

namespace ArtifactStore.Core.Tests.Hashing;

/// <summary>
/// The resumable SHA-256 and BLAKE3 that upload sessions on scale-out carry between replicas: they must give
/// exactly the platform's SHA-256 and the BLAKE3 library's hash for every length and every way of cutting the
/// input, with the state saved and restored at the cuts. A wrong digest here would be data loss.
/// </summary>
public sealed class ResumableHashTests
{
    // Around the block (64), chunk (1 KiB), and subtree boundaries of both algorithms.
    private static readonly int[] Lengths = [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1023, 1024, 1025, 2047, 2048, 2049, 3072, 4096, 5000, 8191, 8192, 8193, 65536, 65537, 1_000_003];

    [Fact]
    public void sha256_matches_the_platform_for_every_length_fed_whole()
    {
        foreach (var length in Lengths)
        {
            var input = Blake3VectorTests.Input(length);
            var hasher = new ResumableSha256();
            hasher.Append(input);
            Assert.Equal(SHA256.HashData(input), hasher.Current());
        }
    }

    [Fact]
    public void blake3_matches_the_library_for_every_length_fed_whole()
    {
        foreach (var length in Lengths)
        {
            var input = Blake3VectorTests.Input(length);
            var hasher = new ResumableBlake3();
            hasher.Append(input);
            Assert.Equal(Blake3Hasher.Hash(input), hasher.Current());
        }
    }

    [Fact]
    public void both_match_when_the_input_is_cut_anywhere_and_the_state_moves_through_its_saved_form_at_each_cut()
    {
        var random = new Random(12);
        var input = new byte[3 * 1024 * 1024 + 77];
        random.NextBytes(input);
        foreach (var round in Enumerable.Range(0, 20))
        {
            var digests = new ResumableDigests();
            var at = 0;
            while (at < input.Length)
            {
                // Pieces from 1 byte to 300 KiB, so cuts fall inside blocks, on them, and across chunks.
                var piece = Math.Min(input.Length - at, round % 4 == 0 ? random.Next(1, 100) : random.Next(1, 300 * 1024));
                digests.Append(input.AsSpan(at, piece));
                at += piece;
                var saved = digests.ExportState();
                Assert.Equal(at, ResumableDigests.LengthOf(saved));
                digests = ResumableDigests.Import(saved);
                Assert.Equal(at, digests.Length);
            }

            var (sha256, blake3) = digests.Current();
            Assert.Equal(BlobDigest.FromBytes(SHA256.HashData(input)), sha256);
            Assert.Equal(Convert.ToHexStringLower(Blake3Hasher.Hash(input)), blake3);
        }
    }

    [Fact]
    public void current_leaves_the_state_alone_and_a_prefix_digest_is_the_prefix_hash()
    {
        var input = Blake3VectorTests.Input(10_000);
        var digests = new ResumableDigests();
        digests.Append(input.AsSpan(0, 4096));
        var (early, earlyBlake3) = digests.Current();
        Assert.Equal(BlobDigest.FromBytes(SHA256.HashData(input.AsSpan(0, 4096))), early);
        Assert.Equal(Convert.ToHexStringLower(Blake3Hasher.Hash(input.AsSpan(0, 4096))), earlyBlake3);
        digests.Append(input.AsSpan(4096));
        Assert.Equal(BlobDigest.FromBytes(SHA256.HashData(input)), digests.Current().Sha256);
    }

    [Fact]
    public void a_damaged_saved_state_is_refused_rather_than_giving_a_wrong_digest()
    {
        var digests = new ResumableDigests();
        digests.Append(Blake3VectorTests.Input(5000));
        var saved = digests.ExportState();
        Assert.Throws<FormatException>(() => ResumableDigests.Import(saved.AsSpan(0, saved.Length - 1)));
        var wrongVersion = (byte[])saved.Clone();
        wrongVersion[0] = 9;
        Assert.Throws<FormatException>(() => ResumableDigests.Import(wrongVersion));
        var wrongLength = (byte[])saved.Clone();
        wrongLength[1 + 32 + 7] ^= 0x40;
        Assert.Throws<FormatException>(() => ResumableDigests.Import(wrongLength));
    }
}
