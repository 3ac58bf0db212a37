using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace ArtifactStore.Bench;

/// <summary>
/// Small durable uploads: concurrent clients each create packages of one 4 KiB file (every file
/// distinct) through a real server for a fixed time. The baseline, measured in the same run on the
/// same disk, is one thread writing 4 KiB and fsyncing after every write; the figure is packages/s
/// over baseline writes/s (docs/performance.md: at least 3).
/// Each load is preceded by an unmeasured warm-up of the same load.
/// Usage: artifactstore-bench small [seconds] [clients] [warm-up seconds] (defaults 10, 16 and 12).
/// </summary>
internal static class SmallUploadBenchmark
{
    private const int FileSize = 4096;

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        var clients = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 16;
        var warmUp = TimeSpan.FromSeconds(args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 12);
        var duration = TimeSpan.FromSeconds(seconds);
        var work = Path.Combine(Path.GetTempPath(), "as-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var baseline = FsyncPerWrite(Path.Combine(work, "baseline.bin"), duration);
            Console.WriteLine($"baseline  one thread, 4 KiB write + fsync each: {baseline:F0} writes/s");

            var (inProcess, inProcessCreated, batches) = await SmallUploadInProcess.RunAsync(Path.Combine(work, "in-process"), clients, warmUp, duration);
            Console.WriteLine($"in-process {clients} callers of PackageService (no HTTP): {inProcess:F0} packages/s ({inProcessCreated} created in {batches} commits), {inProcess / baseline:F2} x baseline");

            using var server = BenchServer.Start(Path.Combine(work, "root"));
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients })
            {
                BaseAddress = new Uri(server.Url + "/"),
            };
            // Unmeasured warm-up: a long-running server has its hot paths compiled by the optimizing JIT
            // (on 2 busy cores tiering takes seconds; a cold server spends most of its CPU in the JIT).
            _ = await LoadAsync(http, clients, warmUp, round: 0);
            var serverCpu = server.CpuTime();
            var (created, failed, elapsed) = await LoadAsync(http, clients, duration, round: 1);
            serverCpu = server.CpuTime() - serverCpu;

            var rate = created / elapsed.TotalSeconds;
            Console.WriteLine($"uploads   {clients} clients, 4 KiB packages: {rate:F0} packages/s ({created} created, {failed} failed in {elapsed.TotalSeconds:F1} s; server cpu {serverCpu.TotalSeconds:F1} s)");
            Console.WriteLine($"packages/s over baseline writes/s: {rate / baseline:F2} (target >= 3)");
            return failed == 0 ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Every client uploads back to back until the time is up; counts 201s and anything else.</summary>
    internal static Task<(long Created, long Failed, TimeSpan Elapsed)> LoadAsync(HttpClient http, int clients, TimeSpan duration, int round) =>
        LoadAsync([http], clients, duration, round);

    /// <summary>The same load spread over several servers (replicas of one store): client <c>c</c> talks to server <c>c mod n</c>.</summary>
    internal static async Task<(long Created, long Failed, TimeSpan Elapsed)> LoadAsync(IReadOnlyList<HttpClient> servers, int clients, TimeSpan duration, int round)
    {
        long created = 0;
        long failed = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(1, clients).Select(client => Task.Run(async () =>
        {
            var http = servers[client % servers.Count];
            for (var n = 0; watch.Elapsed < duration; n++)
            {
                if (await UploadAsync(http, client, n, round))
                {
                    Interlocked.Increment(ref created);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })));
        return (created, failed, watch.Elapsed);
    }

    /// <summary>Writes per second of one thread appending 4 KiB and fsyncing after each write.</summary>
    private static double FsyncPerWrite(string path, TimeSpan duration)
    {
        var block = new byte[FileSize];
        Random.Shared.NextBytes(block);
        var writes = 0;
        var watch = Stopwatch.StartNew();
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            while (watch.Elapsed < duration)
            {
                file.Write(block);
                file.Flush(flushToDisk: true);
                writes++;
            }
        }

        watch.Stop();
        File.Delete(path);
        return writes / watch.Elapsed.TotalSeconds;
    }

    private static async Task<bool> UploadAsync(HttpClient http, int client, int n, int round)
    {
        var content = new byte[FileSize];
        Random.Shared.NextBytes(content);
        // Distinct content per upload, so every upload stores a new blob (no deduplication).
        BinaryPrimitives.WriteInt32LittleEndian(content, client);
        BinaryPrimitives.WriteInt32LittleEndian(content.AsSpan(4), n);
        BinaryPrimitives.WriteInt32LittleEndian(content.AsSpan(8), round);
        using var form = new MultipartFormDataContent { { new StringContent($"bench/small/{client}"), "name" } };
        var part = new ByteArrayContent(content);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "file", $"f{n}.bin");
        using var response = await http.PostAsync("v1/packages", form);
        return response.StatusCode == HttpStatusCode.Created;
    }
}
