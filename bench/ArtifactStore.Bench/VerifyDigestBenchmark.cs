using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace ArtifactStore.Bench;

/// <summary>
/// What verifying a download costs with each stored digest: SHA-256 (.NET over OpenSSL, SHA-NI where the CPU has it)
/// against BLAKE3 (the Blake3 package, SIMD), one-shot over a 4 KiB and a 1 MiB buffer as a read does, on one thread.
/// Rounds alternate which goes first; medians. Usage: artifactstore-bench verify-digests [rounds] (default 9).
/// </summary>
internal static class VerifyDigestBenchmark
{
    public static int Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 9;
        var data = new byte[1 << 20];
        new Random(5).NextBytes(data);
        Console.WriteLine($"Verifying a read: one-shot digest, one thread, {rounds} interleaved rounds, median MB/s (1 MB = 10^6 bytes)");
        Console.WriteLine($"{"size",-7} {"SHA-256",9} {"BLAKE3",9} {"BLAKE3/SHA-256",15}");
        foreach (var (name, size, count) in new[]
                 {
                     ("4 KiB", 4 << 10, 100_000), ("8 KiB", 8 << 10, 50_000), ("16 KiB", 16 << 10, 25_000), ("64 KiB", 64 << 10, 8_000),
                     ("256 KiB", 256 << 10, 2_000), ("1 MiB", 1 << 20, 500),
                 })
        {
            var input = data.AsMemory(0, size);
            var sha = new List<double>();
            var blake = new List<double>();
            _ = Sha256(input, 100);
            _ = Blake3(input, 100);
            for (var round = 0; round < rounds; round++)
            {
                var shaFirst = round % 2 == 0;
                (shaFirst ? sha : blake).Add(Seconds(() => _ = shaFirst ? Sha256(input, count) : Blake3(input, count)));
                (shaFirst ? blake : sha).Add(Seconds(() => _ = shaFirst ? Blake3(input, count) : Sha256(input, count)));
            }

            var bytes = (double)size * count;
            var shaRate = bytes / Median(sha) / 1e6;
            var blakeRate = bytes / Median(blake) / 1e6;
            Console.WriteLine($"{name,-7} {shaRate,9:F0} {blakeRate,9:F0} {blakeRate / shaRate,14:F2}x");
        }

        return 0;
    }

    private static byte Sha256(ReadOnlyMemory<byte> input, int count)
    {
        Span<byte> hash = stackalloc byte[32];
        byte folded = 0;
        for (var i = 0; i < count; i++)
        {
            SHA256.HashData(input.Span, hash);
            folded ^= hash[0];
        }

        return folded;
    }

    private static byte Blake3(ReadOnlyMemory<byte> input, int count)
    {
        Span<byte> hash = stackalloc byte[32];
        byte folded = 0;
        for (var i = 0; i < count; i++)
        {
            global::Blake3.Hasher.Hash(input.Span, hash);
            folded ^= hash[0];
        }

        return folded;
    }

    private static double Seconds(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
