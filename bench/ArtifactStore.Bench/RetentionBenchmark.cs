using System.Diagnostics;
using System.Globalization;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Gc;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Retention;
using ArtifactStore.FileSystem;
using ArtifactStore.Sqlite;

namespace ArtifactStore.Bench;

/// <summary>
/// Sweep and GC cost against store size (docs/performance.md): seeds N packages (default 1,000,000) through the
/// real unit of work, 1 % of them already expired, then times a sweep, a GC of the expired ones, and
/// opening the database (start-up). Usage: bench retention [packages].
/// </summary>
internal static class RetentionBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var total = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var work = Path.Combine(Path.GetTempPath(), "as-bench-ret-" + Guid.NewGuid().ToString("N"));
        var time = new BenchClock(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));
        try
        {
            var blobs = new FileSystemBlobStore(Path.Combine(work, "blobs"), Path.Combine(work, "tmp"));
            var database = new SqliteStoreDatabase(Path.Combine(work, "db"), time);
            await database.InitializeAsync(CancellationToken.None);

            var seed = Stopwatch.StartNew();
            var expired = await SeedAsync(database, blobs, total);
            Console.WriteLine($"seeded {total:N0} packages ({expired:N0} expired) in {seed.Elapsed.TotalSeconds:F1} s");

            var sweeper = new RetentionSweeper(database, time);
            var sweep = Stopwatch.StartNew();
            var report = (await sweeper.RunAsync(null, dryRun: false, "bench", CancellationToken.None)).Value;
            sweep.Stop();
            Console.WriteLine($"sweep: {report.Eligible.Count:N0} of {total:N0} packages marked eligible in {sweep.Elapsed.TotalSeconds:F2} s (target: 2 s)");

            using var collector = new GarbageCollector(database, blobs, time, new GcOptions { BlobGracePeriod = TimeSpan.Zero });
            var gc = Stopwatch.StartNew();
            var gcReport = (await collector.RunAsync(dryRun: false, "bench", CancellationToken.None)).Value;
            gc.Stop();
            Console.WriteLine($"gc: {gcReport.PackagesDeleted.Count:N0} packages deleted in {gc.Elapsed.TotalSeconds:F2} s ({gcReport.PackagesDeleted.Count / gc.Elapsed.TotalSeconds:N0} packages/s)");
            await database.DisposeAsync();

            var open = Stopwatch.StartNew();
            await using var reopened = new SqliteStoreDatabase(Path.Combine(work, "db"), time);
            await reopened.InitializeAsync(CancellationToken.None);
            _ = await reopened.Views.GetHeadSeqAsync(CancellationToken.None);
            Console.WriteLine($"start-up: database opened and answering in {open.Elapsed.TotalMilliseconds:F0} ms with {total:N0} packages");
            return report.Eligible.Count == expired && gcReport.PackagesDeleted.Count == expired ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Appends package.created + default_applied per package, 5,000 packages per unit of work.</summary>
    private static async Task<int> SeedAsync(SqliteStoreDatabase database, FileSystemBlobStore blobs, int total)
    {
        var content = (await blobs.StageAsync(new MemoryStream("bench content"u8.ToArray()), long.MaxValue, CancellationToken.None)).Value;
        await blobs.PutAsync(content, CancellationToken.None);
        await blobs.DiscardAsync(content, CancellationToken.None);
        var file = new PackageFile("data.bin", content.Size, content.Digest, content.Blake3Hex, "application/octet-stream");
        var expired = 0;
        const int batch = 5000;
        for (var start = 0; start < total; start += batch)
        {
            var count = Math.Min(batch, total - start);
            var result = await database.WriteAsync<int>(async (writer, ct) =>
            {
                var expiredHere = 0;
                for (var i = start; i < start + count; i++)
                {
                    var id = Guid.CreateVersion7(writer.Now.AddMilliseconds(i));
                    var isExpired = i % 100 == 0;
                    expiredHere += isExpired ? 1 : 0;
                    var created = new PackageCreated(id, $"bench/{i % 1000}", [], content.Digest, content.Size, content.Blake3Hex, [file]);
                    await writer.AppendAsync(new NewEvent(EventTypes.PackageStream(id), EventTypes.PackageCreated, "bench", created.ToCbor()), ct);
                    var expiry = isExpired ? writer.Now.AddDays(-1) : writer.Now.AddDays(7);
                    await writer.AppendAsync(new NewEvent(EventTypes.PackageStream(id), EventTypes.RetentionDefaultApplied, "bench",
                        new RetentionDefaultApplied(id, "standard", expiry).ToCbor()), ct);
                }

                return Result<int>.Ok(expiredHere);
            }, CancellationToken.None);
            expired += result.Value;
        }

        return expired;
    }

    private sealed class BenchClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
