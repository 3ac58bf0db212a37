using System.Diagnostics;
using System.Security.Cryptography;
using ArtifactStore.Core.Hashing;
using Xunit.Abstractions;

namespace ArtifactStore.Core.Tests.Hashing;

/// <summary>
/// Prints throughput rather than asserting it: timings on a shared 2-core machine are too noisy to
/// gate a build on, but the numbers belong in the test log. Run with
/// <c>dotnet test --filter Category=Throughput --logger "console;verbosity=detailed"</c> to see them.
/// </summary>
public sealed class Blake3ThroughputTests(ITestOutputHelper output)
{
#if DEBUG
    // Unoptimised code says nothing about speed: keep Debug runs to a quick smoke test of the probe.
    private const int Size = 4 << 20;
    private const int Repeats = 1;
#else
    private const int Size = 256 << 20;
    private const int Repeats = 3;
#endif

    [Fact]
    [Trait("Category", "Throughput")]
    public void prints_blake3_and_sha256_throughput_on_a_256_mib_buffer()
    {
        var data = new byte[Size];
        new Random(1).NextBytes(data);
        var results = new List<string>();
        byte[]? reference = null;

        foreach (var backend in Enum.GetValues<Blake3Backend>().Where(b => b <= Blake3HashMany.Widest))
        {
            var hash = Array.Empty<byte>();
            var seconds = Measure(() =>
            {
                var hasher = Blake3Hasher.Create(backend);
                hasher.Update(data);
                hash = hasher.Finalize();
            });
            reference ??= hash;
            Assert.Equal(reference, hash);
            results.Add($"BLAKE3 {backend,-10} {Size / seconds / 1e6,8:F0} MB/s");
        }

        foreach (var read in new[] { 1023, 4096 })
        {
            var seconds = Measure(() =>
            {
                var hasher = Blake3Hasher.Create();
                for (var offset = 0; offset < Size; offset += read)
                {
                    hasher.Update(data.AsSpan(offset, Math.Min(read, Size - offset)));
                }

                Assert.Equal(reference, hasher.Finalize());
            });
            results.Add($"BLAKE3 default, {read}-byte updates {Size / seconds / 1e6,8:F0} MB/s");
        }

        results.Add($"SHA-256 (.NET)    {Size / Measure(() => SHA256.HashData(data)) / 1e6,8:F0} MB/s");

        // What an upload costs: both hashes fed the same reads in one pass.
        foreach (var read in new[] { 4096, 81920, 1 << 20 })
        {
            var combined = Measure(() =>
            {
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var blake = Blake3Hasher.Create();
                for (var offset = 0; offset < Size; offset += read)
                {
                    var piece = data.AsSpan(offset, Math.Min(read, Size - offset));
                    sha.AppendData(piece);
                    blake.Update(piece);
                }

                _ = sha.GetHashAndReset();
                Assert.Equal(reference, blake.Finalize());
            });
            results.Add($"SHA-256 + BLAKE3 in one pass, {read}-byte reads {Size / combined / 1e6,8:F0} MB/s");
        }

        foreach (var line in results)
        {
            output.WriteLine(line);
        }
    }

    private static double Measure(Action action)
    {
        action(); // warm up: JIT tiers and page faults are not what is being measured
        var best = double.MaxValue;
        for (var i = 0; i < Repeats; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            action();
            best = Math.Min(best, stopwatch.Elapsed.TotalSeconds);
        }

        return best;
    }
}
