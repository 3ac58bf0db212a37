using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Roots;
using ArtifactStore.Core.Storage;
using ArtifactStore.Sqlite;

namespace ArtifactStore.Bench;

/// <summary>
/// The small-upload workload without HTTP: concurrent callers of <see cref="PackageService"/> on a
/// real data root, to tell the store's own cost from the web server's and the client's. Besides the rate it
/// measures this process's CPU time and voluntary context switches (every thread's, from <c>/proc/self/task</c>) per
/// package: the callers' staging and hashing, the unit of work, the group commit and its hand-offs.
/// Usage as a mode of its own: artifactstore-bench small-inprocess [seconds] [clients] [warm-up seconds] [rounds]
/// (defaults 5, 16, 8, 3), rounds on fresh roots after one warm-up; run two builds' benches alternately to
/// compare them (docs/performance.md, "Server CPU per small write: the store side").
/// </summary>
internal static class SmallUploadInProcess
{
    public sealed record Measured(double Rate, long Created, long Batches, double CpuMsPerPackage, double SwitchesPerPackage, GroupCommitSnapshot Writer);

    public static async Task<int> RunRoundsAsync(string[] args)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        var clients = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 16;
        var warmUp = TimeSpan.FromSeconds(args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 8);
        var rounds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 3;
        var work = Path.Combine(Path.GetTempPath(), "as-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            var runs = new List<Measured>();
            for (var round = 1; round <= rounds; round++)
            {
                // The first round warms the JIT up as well (its warm-up phase); every round starts on a fresh root.
                var measured = await RunAsync(Path.Combine(work, "r" + round), clients, round == 1 ? warmUp : TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(seconds));
                runs.Add(measured);
                Console.WriteLine($"round {round}: {measured.Rate:F0} packages/s, {measured.CpuMsPerPackage:F3} ms CPU and {measured.SwitchesPerPackage:F2} voluntary context switches per package, " +
                    $"{(double)measured.Created / Math.Max(1, measured.Batches):F1} packages per commit");
                Console.WriteLine("  " + WriterLine(measured.Writer));
            }

            Console.WriteLine($"| in-process, {clients} callers | {Median(runs.Select(r => r.Rate)):F0} packages/s | {Median(runs.Select(r => r.CpuMsPerPackage)):F3} ms CPU per package | " +
                $"{Median(runs.Select(r => r.SwitchesPerPackage)):F2} voluntary switches per package |");
            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // best effort
            }
        }
    }

    public static async Task<Measured> RunAsync(string root, int clients, TimeSpan warmUp, TimeSpan duration)
    {
        var options = new StoreOptions { DataRoot = root };
        var backend = new Embedded.EmbeddedBackend();
        using var dataRoot = DataRoot.OpenOrCreate(root, options.Profile, "bench", TimeProvider.System, backend.Layout).Value;
        var parts = (await backend.OpenAsync(dataRoot, TimeProvider.System, CancellationToken.None)).Value;
        var database = (SqliteStoreDatabase)parts.Database;
        await using var databaseScope = database;
        var blobs = new InlineBlobStore(parts.Blobs, database.Views); // as the server composes it
        var packages = new PackageService(database, blobs, options, TimeProvider.System);

        _ = await LoadAsync(packages, clients, warmUp, round: 0);
        var batchesBefore = database.CommittedBatches;
        var writerBefore = database.WriterStats!;
        using var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var switchesBefore = ContextSwitches();
        var (created, elapsed) = await LoadAsync(packages, clients, duration, round: 1);
        self.Refresh();
        var writer = database.WriterStats!.Since(writerBefore);
        var perPackage = Math.Max(1, created);
        return new Measured(created / elapsed.TotalSeconds, created, database.CommittedBatches - batchesBefore,
            (self.TotalProcessorTime - cpuBefore).TotalMilliseconds / perPackage, (double)(ContextSwitches() - switchesBefore) / perPackage, writer);
    }

    /// <summary>
    /// The one writer's time over the measured seconds, per unit of work (a unit is a package here): wall time running
    /// units (statements, savepoints), flushing, committing (WAL append and fsync), the share of the time it was busy,
    /// its thread's own CPU, and how long a caller waited from enqueue to its batch's start and to its answer.
    /// </summary>
    public static string WriterLine(GroupCommitSnapshot w)
    {
        var units = Math.Max(1, w.Units);
        var wall = Math.Max(1e-9, w.BusySeconds + w.IdleSeconds);
        return $"writer: busy {100 * w.BusySeconds / wall:F0}%, {(double)w.Units / Math.Max(1, w.Batches):F1} units per batch; per unit ms: " +
            $"units {1000 * w.UnitSeconds / units:F3}, flush {1000 * w.FlushSeconds / units:F3}, commit {1000 * w.CommitSeconds / units:F3}, " +
            $"other {1000 * (w.BusySeconds - w.UnitSeconds - w.FlushSeconds - w.CommitSeconds) / units:F3}, idle {1000 * w.IdleSeconds / units:F3}, " +
            $"thread CPU {1000 * w.ThreadCpuSeconds / units:F3}; per batch ms: commit {1000 * w.CommitSeconds / Math.Max(1, w.Batches):F2}; " +
            $"caller wait ms: to start {1000 * w.QueuedSeconds / units:F2}, to answer {1000 * w.AnsweredSeconds / units:F2}";
    }

    // Voluntary context switches of every thread of this process (Linux; 0 elsewhere): a thread that blocks or parks,
    // which is what hand-offs between threads cost. Involuntary ones are left out: on a shared machine they count
    // mostly other processes' preemptions.
    private static long ContextSwitches()
    {
        long total = 0;
        if (!Directory.Exists("/proc/self/task"))
        {
            return 0;
        }

        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        total += long.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (IOException)
            {
                // the thread ended meanwhile
            }
        }

        return total;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }

    private static async Task<(long Created, TimeSpan Elapsed)> LoadAsync(PackageService packages, int clients, TimeSpan duration, int round)
    {
        long created = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(1, clients).Select(client => Task.Run(async () =>
        {
            for (var n = 0; watch.Elapsed < duration; n++)
            {
                var content = new byte[4096];
                Random.Shared.NextBytes(content);
                BinaryPrimitives.WriteInt32LittleEndian(content, client);
                BinaryPrimitives.WriteInt32LittleEndian(content.AsSpan(4), n);
                BinaryPrimitives.WriteInt32LittleEndian(content.AsSpan(8), round);
                await using var upload = packages.BeginUpload();
                _ = upload.AddField("name", $"bench/small/{client}");
                _ = await upload.AddFileAsync($"f{n}.bin", "application/octet-stream", new MemoryStream(content), CancellationToken.None);
                var result = await packages.CreateAsync(upload, "bench", null, CancellationToken.None);
                if (result.IsSuccess)
                {
                    Interlocked.Increment(ref created);
                }
            }
        })));
        return (created, watch.Elapsed);
    }
}
