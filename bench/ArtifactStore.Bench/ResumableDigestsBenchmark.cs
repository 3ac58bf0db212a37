using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Hashing;
using Org.BouncyCastle.Crypto.Digests;

namespace ArtifactStore.Bench;

/// <summary>
/// The hand-written resumable SHA-256 and BLAKE3 of upload sessions on scale-out (<see cref="ResumableSha256"/>,
/// <see cref="ResumableBlake3"/>) against the libraries that could stand in for them, on the same bytes in the
/// same process: BouncyCastle's <c>Sha256Digest</c> and <c>Blake3Digest</c> (2.7.0; neither can save its state
/// outside the process, so they are here to show what a switch would gain or lose), and, as ceilings that cannot
/// save their state at all, .NET's SHA-256 and the Blake3 package. Updates of 64 KiB (a small chunk) and 8 MiB
/// (a part). Then the save/restore cost per chunk: the hand-written <see cref="ResumableDigests"/> round trip
/// through its saved form against BouncyCastle's in-process copies. Rounds go through the implementations in
/// turn, starting one further along each round, so drift in clock or load falls on all; medians are reported.
/// Usage: artifactstore-bench resumable-digests [rounds] [MiB per measurement] (defaults 7 and 64).
/// </summary>
internal static class ResumableDigestsBenchmark
{
    private static readonly int[] UpdateSizes = [64 << 10, 8 << 20];

    public static int Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 7;
        var mib = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
        var buffer = new byte[8 << 20];
        new Random(5).NextBytes(buffer);
        var total = (long)mib << 20;

        Console.WriteLine($"Resumable digests, {rounds} rounds in turn, median MB/s (1 MB = 10^6 bytes), {mib} MiB per measurement");
        Console.WriteLine($"{"algorithm / update",-22} {"hand-written",12} {"BouncyCastle",12} {"BC/hand",8} {"no-save ceiling",16} {"ceiling/hand",13}");
        foreach (var update in UpdateSizes)
        {
            var sha = Compare(rounds, total, buffer, update,
                (data, n) => Feed(new ResumableSha256(), data, n, (h, s) => h.Append(s), h => h.Current()),
                (data, n) => Feed(new Sha256Digest(), data, n, (h, s) => h.BlockUpdate(s), Finish),
                (data, n) => Feed(IncrementalHash.CreateHash(HashAlgorithmName.SHA256), data, n, (h, s) => h.AppendData(s), h => h.GetHashAndReset()));
            if (sha is null)
            {
                return 1;
            }

            Print($"SHA-256 / {Size(update)}", sha.Value);
            var blake3 = Compare(rounds, total, buffer, update,
                (data, n) => Feed(new ResumableBlake3(), data, n, (h, s) => h.Append(s), h => h.Current()),
                (data, n) => Feed(new Blake3Digest(256), data, n, (h, s) => h.BlockUpdate(s), Finish),
                (data, n) => Feed(Blake3Hasher.Create(), data, n, (h, s) => h.Update(s), h => h.Finalize()));
            if (blake3 is null)
            {
                return 1;
            }

            Print($"BLAKE3 / {Size(update)}", blake3.Value);
        }

        SaveRestore(rounds);
        return 0;
    }

    /// <summary>Median MB/s of the three, after checking they give the same hash.</summary>
    private static (double Hand, double Library, double Ceiling)? Compare(
        int rounds, long total, byte[] buffer, int update, params Func<ReadOnlyMemory<byte>, long, byte[]>[] hashers)
    {
        var data = buffer.AsMemory(0, update);
        var hashes = hashers.Select(h => h(data, total)).ToList();
        if (hashes.Any(h => !h.AsSpan().SequenceEqual(hashes[0])))
        {
            Console.Error.WriteLine($"update {update}: the implementations disagree");
            return null;
        }

        var times = hashers.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < hashers.Length; k++)
            {
                var i = (round + k) % hashers.Length;
                var watch = Stopwatch.StartNew();
                _ = hashers[i](data, total);
                times[i].Add(watch.Elapsed.TotalSeconds);
            }
        }

        var rates = times.Select(t => total / Blake3Benchmark.Median(t) / 1e6).ToArray();
        return (rates[0], rates[1], rates[2]);
    }

    /// <summary>Feeds <paramref name="total"/> bytes in updates of <paramref name="data"/>'s length.</summary>
    private static byte[] Feed<T>(T hasher, ReadOnlyMemory<byte> data, long total, Action<T, ReadOnlySpan<byte>> append, Func<T, byte[]> finish)
    {
        for (var done = 0L; done < total; done += data.Length)
        {
            append(hasher, data.Span);
        }

        var hash = finish(hasher);
        (hasher as IDisposable)?.Dispose();
        return hash;
    }

    private static byte[] Finish(Org.BouncyCastle.Crypto.IDigest digest)
    {
        var hash = new byte[digest.GetDigestSize()];
        digest.DoFinal(hash);
        return hash;
    }

    /// <summary>
    /// What saving and restoring costs per chunk, once the state stands deep in an upload (1 GiB plus an odd
    /// tail, so BLAKE3's stack and unfinished chunk are as they would be): the hand-written form out to bytes and
    /// back, against BouncyCastle's copies, which stay in memory (they cannot cross to another replica).
    /// </summary>
    private static void SaveRestore(int rounds)
    {
        var digests = new ResumableDigests();
        var piece = new byte[1 << 20];
        new Random(6).NextBytes(piece);
        for (var i = 0; i < 1024; i++)
        {
            digests.Append(piece);
        }

        digests.Append(piece.AsSpan(0, 1000));
        var sha = new Sha256Digest();
        var blake3 = new Blake3Digest(256);
        for (var i = 0; i < 64; i++)
        {
            sha.BlockUpdate(piece);
            blake3.BlockUpdate(piece);
        }

        sha.BlockUpdate(piece.AsSpan(0, 1000));
        blake3.BlockUpdate(piece.AsSpan(0, 1000));

        const int Trips = 20_000;
        var hand = new List<double>();
        var library = new List<double>();
        var size = 0;
        for (var round = 0; round < rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < Trips; i++)
            {
                var saved = digests.ExportState();
                size = saved.Length;
                digests = ResumableDigests.Import(saved);
            }

            hand.Add(watch.Elapsed.TotalSeconds / Trips * 1e6);
            watch.Restart();
            for (var i = 0; i < Trips; i++)
            {
                sha = (Sha256Digest)sha.Copy();
                blake3 = (Blake3Digest)blake3.Copy();
            }

            library.Add(watch.Elapsed.TotalSeconds / Trips * 1e6);
        }

        var handMedian = Blake3Benchmark.Median(hand);
        var libraryMedian = Blake3Benchmark.Median(library);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"save+restore per chunk: hand-written {handMedian:F2} µs ({size} bytes saved), BouncyCastle in-process copy {libraryMedian:F2} µs, BC/hand {libraryMedian / handMedian:F2}"));
    }

    private static void Print(string name, (double Hand, double Library, double Ceiling) rates) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-22} {rates.Hand,12:F0} {rates.Library,12:F0} {rates.Library / rates.Hand,8:F2} {rates.Ceiling,16:F0} {rates.Ceiling / rates.Hand,13:F2}"));

    private static string Size(int bytes) => bytes >= 1 << 20 ? $"{bytes >> 20} MiB" : $"{bytes >> 10} KiB";
}
