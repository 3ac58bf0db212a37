using System.Diagnostics;
using System.Globalization;
using Amazon.S3;
using Amazon.S3.Model;

namespace ArtifactStore.Bench;

/// <summary>
/// The scale-out backend against the embedded one, on the same machine in the same run (docs/performance.md).
/// Starts a throwaway PostgreSQL and s3rver (tests/tools), then three stores side by side: an embedded one,
/// a scale-out store with one replica, and a scale-out store with three replicas (each store its own database
/// and key prefix). In every round, in an order that rotates between rounds, each store gets (a) small uploads:
/// 16 clients creating one-file 4 KiB packages for a fixed time, client c talking to replica c mod n; (b) one
/// large upload, to the next replica in turn; (c) no-op jobs, submitted round-robin to the replicas, until all
/// have succeeded; and (d) the same large bytes go to the same s3rver in one direct SDK PutObject. An unmeasured
/// warm-up of the same loads comes first. The table gives medians over the rounds and the ratios: scale-out
/// against embedded, three replicas against one, and the store's large upload against direct PutObject.
/// Usage: artifactstore-bench scale-out [large MiB] [rounds] [small seconds] [jobs] (defaults 256, 3, 5 and 40).
/// </summary>
internal static class ScaleOutBenchmark
{
    private const int Clients = 16;
    private const int JobSlots = 2;
    private const int Mebibyte = 1024 * 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        var sizeMiB = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 256;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var seconds = TimeSpan.FromSeconds(args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 5);
        var jobs = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 40;
        var size = (long)sizeMiB * Mebibyte;
        var work = Path.Combine(Path.GetTempPath(), "as-bench-scale-out-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        PatternStream.Prepare();
        var targets = new List<Target>();
        ScaleOutServers? services = null;
        try
        {
            services = await ScaleOutServers.StartAsync(work);
            Console.WriteLine($"postgresql {services.PostgresUrl}, s3rver {services.S3Url}; {Environment.ProcessorCount} cores");
            var config = Path.Combine(work, "config.json");
            await File.WriteAllTextAsync(config, JobBenchmark.Config(JobSlots));
            targets.Add(Target.Start("embedded", work, config, replicas: 1, environment: null));
            targets.Add(Target.Start("scale-out x1", work, config, replicas: 1, await services.CreateStoreAsync("x1")));
            targets.Add(Target.Start("scale-out x3", work, config, replicas: 3, await services.CreateStoreAsync("x3")));
            using var s3 = services.CreateS3Client();
            var direct = new DirectPut(s3, Path.Combine(work, "direct.bin"), size);

            var results = new Results();
            long failed = 0;
            Console.WriteLine("warm-up (unmeasured): the same loads once on every store, so the servers' hot paths are compiled");
            foreach (var target in targets)
            {
                failed += (await SmallUploadBenchmark.LoadAsync(target.Clients, Clients, seconds, round: 0)).Failed;
                for (var replica = 0; replica < target.Clients.Count; replica++)
                {
                    _ = await LargeTransferBenchmark.UploadAsync(target.Clients[replica], Math.Min(size, 64L * Mebibyte), $"bench/warm-up/{replica}");
                }

                _ = await JobBenchmark.RunJobsAsync(target.Clients, Math.Min(jobs, 10));
            }

            await direct.PutAsync("warm-up");

            for (var round = 1; round <= rounds; round++)
            {
                var current = round;
                // Rotating the order spreads whatever else the shared machine is doing over all stores alike.
                var steps = new List<Func<Task>>();
                foreach (var target in targets)
                {
                    steps.Add(async () =>
                    {
                        var (created, failures, elapsed) = await SmallUploadBenchmark.LoadAsync(target.Clients, Clients, seconds, current);
                        failed += failures;
                        results.Add(target.Name, Measure.Small, created / elapsed.TotalSeconds);

                        var upload = Stopwatch.StartNew();
                        _ = await LargeTransferBenchmark.UploadAsync(target.Clients[current % target.Clients.Count], size, $"bench/large/{current}");
                        results.Add(target.Name, Measure.Large, size / upload.Elapsed.TotalSeconds / 1e6);

                        results.Add(target.Name, Measure.Jobs, await JobBenchmark.RunJobsAsync(target.Clients, jobs));
                        Console.WriteLine($"round {current}: {target.Name,-13} {results.Last(target.Name, Measure.Small),7:F0} packages/s ({failures} failed), " +
                            $"large {results.Last(target.Name, Measure.Large),5:F0} MB/s, {results.Last(target.Name, Measure.Jobs),5:F1} jobs/s");
                    });
                }

                steps.Add(async () =>
                {
                    var elapsed = await direct.PutAsync($"round-{current}");
                    results.Add(DirectPut.Name, Measure.Large, size / elapsed.TotalSeconds / 1e6);
                    Console.WriteLine($"round {current}: {DirectPut.Name} {sizeMiB} MiB: {results.Last(DirectPut.Name, Measure.Large):F0} MB/s");
                });
                for (var step = 0; step < steps.Count; step++)
                {
                    await steps[(step + current - 1) % steps.Count]();
                }
            }

            results.Print(sizeMiB, rounds, seconds, jobs);
            return failed == 0 ? 0 : 1;
        }
        finally
        {
            // The servers go before PostgreSQL and s3rver, so that no replica is left without its store.
            foreach (var target in targets)
            {
                target.Dispose();
            }

            if (services is not null)
            {
                await services.DisposeAsync();
            }

            Directory.Delete(work, recursive: true);
        }
    }

    private enum Measure
    {
        Small,
        Large,
        Jobs,
    }

    /// <summary>One store: its server processes (replicas) and a client for each.</summary>
    private sealed class Target(string name) : IDisposable
    {
        private readonly List<BenchServer> _servers = [];
        private readonly List<HttpClient> _clients = [];

        public string Name => name;

        public List<HttpClient> Clients => _clients;

        public static Target Start(string name, string work, string config, int replicas, Dictionary<string, string>? environment)
        {
            var target = new Target(name);
            try
            {
                // One after another: the first replica creates the schema, the others find it.
                for (var replica = 1; replica <= replicas; replica++)
                {
                    var root = Path.Combine(work, $"{name.Replace(' ', '-')}-{replica}");
                    var server = BenchServer.Start(root, environment, "--config", config);
                    target._servers.Add(server);
                    target._clients.Add(new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = ScaleOutBenchmark.Clients })
                    {
                        BaseAddress = new Uri(server.Url + "/"),
                        Timeout = TimeSpan.FromHours(1),
                    });
                    Console.WriteLine($"{name}: replica {replica} listening on {server.Url}");
                }

                return target;
            }
            catch
            {
                target.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }

            foreach (var server in _servers)
            {
                server.Dispose();
            }
        }
    }

    /// <summary>
    /// The large bytes (the same generator the uploads read) written once to a file, then sent to the same s3rver
    /// in one PutObject with the settings the store's adapter uses (no aws-chunked framing), under a key of its own.
    /// </summary>
    private sealed class DirectPut
    {
        public const string Name = "direct PutObject";
        private readonly AmazonS3Client _s3;
        private readonly string _file;

        public DirectPut(AmazonS3Client s3, string file, long size)
        {
            _s3 = s3;
            _file = file;
            using var source = new PatternStream(size);
            using var output = File.Create(file);
            source.CopyTo(output, Mebibyte);
        }

        public async Task<TimeSpan> PutAsync(string key)
        {
            var clock = Stopwatch.StartNew();
            await _s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = ScaleOutServers.Bucket,
                Key = "direct/" + key,
                FilePath = _file,
                UseChunkEncoding = false,
                ContentType = "application/octet-stream",
            });
            clock.Stop();
            await _s3.DeleteObjectAsync(ScaleOutServers.Bucket, "direct/" + key);
            return clock.Elapsed;
        }
    }

    /// <summary>Every figure of every round, by store and measure; prints the medians and their ratios.</summary>
    private sealed class Results
    {
        private readonly Dictionary<(string Target, Measure Measure), List<double>> _figures = [];

        public void Add(string target, Measure measure, double value)
        {
            if (!_figures.TryGetValue((target, measure), out var list))
            {
                _figures[(target, measure)] = list = [];
            }

            list.Add(value);
        }

        public double Last(string target, Measure measure) => _figures[(target, measure)][^1];

        public void Print(int sizeMiB, int rounds, TimeSpan seconds, int jobs)
        {
            Console.WriteLine();
            Console.WriteLine($"medians of {rounds} rounds; ratios are of the medians (higher is faster)");
            Console.WriteLine($"{"",-36} {"embedded",10} {"x1",10} {"x3",10} {"x1/embedded",12} {"x3/embedded",12} {"x3/x1",7}");
            Row($"small uploads/s ({Clients} clients, {seconds.TotalSeconds:F0} s)", Measure.Small, "F0");
            Row($"large upload MB/s ({sizeMiB} MiB)", Measure.Large, "F0");
            Row($"no-op jobs/s ({jobs} jobs, {JobSlots} slots each)", Measure.Jobs, "F1");
            var store = Median("scale-out x1", Measure.Large);
            var direct = Median(DirectPut.Name, Measure.Large);
            Console.WriteLine();
            Console.WriteLine($"large upload {sizeMiB} MiB to the same s3rver: through the store (x1) {store:F0} MB/s, direct PutObject {direct:F0} MB/s, store/direct {store / direct:F2}");
        }

        private void Row(string label, Measure measure, string format)
        {
            var embedded = Median("embedded", measure);
            var one = Median("scale-out x1", measure);
            var three = Median("scale-out x3", measure);
            Console.WriteLine($"{label,-36} {embedded.ToString(format, CultureInfo.InvariantCulture),10} {one.ToString(format, CultureInfo.InvariantCulture),10} " +
                $"{three.ToString(format, CultureInfo.InvariantCulture),10} {one / embedded,12:F2} {three / embedded,12:F2} {three / one,7:F2}");
        }

        private double Median(string target, Measure measure)
        {
            var sorted = _figures[(target, measure)].Order().ToList();
            return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        }
    }
}
