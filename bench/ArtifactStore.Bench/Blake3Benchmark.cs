using System.Diagnostics;
using System.Globalization;
using OwnHasher = ArtifactStore.Bench.OwnBlake3.Blake3Hasher;

namespace ArtifactStore.Bench;

/// <summary>
/// BLAKE3 throughput of the Blake3 NuGet package against our own former SIMD implementation
/// (kept in <c>OwnBlake3/</c> for this comparison only), on the same bytes in the same process.
/// Rounds alternate between the two, which one goes first alternating too, so drift in clock
/// speed or in a neighbour's load falls on both; the median round is reported.
/// Usage: artifactstore-bench blake3 [rounds] [large-MiB] (defaults 9 and 1024).
/// </summary>
internal static class Blake3Benchmark
{
    private const int LargeUpdate = 1 << 20;
    private const int SmallInput = 4 << 10;

    public static int Run(string[] args)
    {
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 9;
        var largeMiB = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1024;

        // One MiB buffer fed largeMiB times: 1 GiB of hashing without holding 1 GiB in memory.
        var buffer = new byte[LargeUpdate];
        new Random(3).NextBytes(buffer);
        var small = buffer.AsSpan(0, SmallInput).ToArray();
        var smallCount = 64 * 1024;

        var cases = new (string Name, long Bytes, Func<byte[]> Library, Func<byte[]> Own)[]
        {
            ($"{largeMiB} MiB in 1 MiB updates", (long)largeMiB * LargeUpdate, () => LibraryLarge(buffer, largeMiB), () => OwnLarge(buffer, largeMiB)),
            ($"{smallCount} inputs of 4 KiB", (long)smallCount * SmallInput, () => LibrarySmall(small, smallCount), () => OwnSmall(small, smallCount)),
        };

        Console.WriteLine($"BLAKE3, {rounds} interleaved rounds, median MB/s (1 MB = 10^6 bytes)");
        foreach (var (name, bytes, library, own) in cases)
        {
            // Both must agree before either is timed, and the first calls warm up the JIT.
            if (!library().AsSpan().SequenceEqual(own()))
            {
                Console.Error.WriteLine($"{name}: the two implementations disagree");
                return 1;
            }

            var libraryTimes = new List<double>();
            var ownTimes = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                var libraryFirst = round % 2 == 0;
                (libraryFirst ? libraryTimes : ownTimes).Add(Seconds(libraryFirst ? library : own));
                (libraryFirst ? ownTimes : libraryTimes).Add(Seconds(libraryFirst ? own : library));
            }

            var libraryRate = bytes / Median(libraryTimes) / 1e6;
            var ownRate = bytes / Median(ownTimes) / 1e6;
            Console.WriteLine(
                $"{name,-28} library {libraryRate,7:F0}  own {ownRate,7:F0}  library/own {libraryRate / ownRate,5:F2}" +
                $"  (library {Spread(libraryTimes, bytes)}, own {Spread(ownTimes, bytes)})");
        }

        return 0;
    }

    private static byte[] LibraryLarge(byte[] buffer, int updates)
    {
        using var hasher = Blake3.Hasher.New();
        for (var i = 0; i < updates; i++)
        {
            hasher.Update(buffer);
        }

        return hasher.Finalize().AsSpan().ToArray();
    }

    private static byte[] OwnLarge(byte[] buffer, int updates)
    {
        var hasher = OwnHasher.Create();
        for (var i = 0; i < updates; i++)
        {
            hasher.Update(buffer);
        }

        return hasher.Finalize();
    }

    // The small cases fold every hash into the next input's first byte so no call can be skipped.
    private static byte[] LibrarySmall(byte[] input, int count)
    {
        var data = (byte[])input.Clone();
        Span<byte> hash = stackalloc byte[32];
        for (var i = 0; i < count; i++)
        {
            Blake3.Hasher.Hash(data, hash);
            data[0] ^= hash[0];
        }

        return hash.ToArray();
    }

    private static byte[] OwnSmall(byte[] input, int count)
    {
        var data = (byte[])input.Clone();
        var hash = Array.Empty<byte>();
        for (var i = 0; i < count; i++)
        {
            hash = OwnHasher.Hash(data);
            data[0] ^= hash[0];
        }

        return hash;
    }

    private static double Seconds(Func<byte[]> action)
    {
        var watch = Stopwatch.StartNew();
        _ = action();
        return watch.Elapsed.TotalSeconds;
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Spread(List<double> seconds, long bytes) =>
        string.Create(CultureInfo.InvariantCulture, $"{bytes / seconds.Max() / 1e6:F0}..{bytes / seconds.Min() / 1e6:F0}");
}
