using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Npgsql;

namespace ArtifactStore.Bench;

/// <summary>
/// No-op jobs (the command is <c>true</c>) side by side with the job queue a user would otherwise pick, in one
/// run and interleaved (docs/performance.md, "The jobs-peers mode"): (a) one loop spawning <c>true</c>, the
/// bare spawn rate; (b) graphile-worker from npm, pinned, on a throwaway PostgreSQL, with a task that spawns
/// <c>true</c>, concurrency 2; (c) ArtifactStore with 2 slots. For (b) and (c) 16 submitters add the jobs at
/// once, and the clock runs until the last job has completed. Prints jobs/s, CPU per job and the ratios.
/// With ARTIFACTSTORE_BENCH_BEFORE_DLL naming another build's artifactstore.dll, that build runs as a fourth
/// contender in the same rounds, for before/after figures on a busy machine.
/// </summary>
internal static class JobPeersBenchmark
{
    public const string GraphileVersion = "0.18.0";
    private const int Submitters = 16;
    private const int Slots = 2;

    /// <summary>
    /// The <c>jobs-store</c> mode: the same rounds without graphile-worker and PostgreSQL — the bare spawn loop, the
    /// store and, with ARTIFACTSTORE_BENCH_BEFORE_DLL, another build of it — for before/after figures of the store's
    /// own CPU per job in a minute or two.
    /// </summary>
    public static async Task<int> RunStoreOnlyAsync(string[] args)
    {
        var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var work = Path.Combine(Path.GetTempPath(), "as-bench-jobstore-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var config = Path.Combine(work, "store.json");
            await File.WriteAllTextAsync(config,
                $$"""{ "Jobs": { "Slots": {{Slots}}, "Types": { "noop": { "Command": ["true"] } } } }""");
            using var server = BenchServer.Start(Path.Combine(work, "root"), "--config", config);
            using var store = new StoreTarget(server, StoreTarget.TargetName);
            using var beforeServer = Environment.GetEnvironmentVariable("ARTIFACTSTORE_BENCH_BEFORE_DLL") is { Length: > 0 } before
                ? BenchServer.StartBuild(before, Path.Combine(work, "root-before"), null, "--config", config)
                : null;
            using var beforeStore = beforeServer is null ? null : new StoreTarget(beforeServer, StoreTarget.TargetName + ", before");
            List<ITarget> list = [new SpawnTarget(), store];
            if (beforeStore is not null)
            {
                list.Add(beforeStore);
            }

            await MeasureAsync([.. list], jobs, rounds);
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 400;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the jobs-peers benchmark starts PostgreSQL with the Linux script in tests/tools");
        }

        var repository = BenchServer.FindRepositoryRoot();
        var work = Path.Combine(Path.GetTempPath(), "as-bench-jobpeers-" + Guid.NewGuid().ToString("N"));
        var postgresDirectory = Path.Combine(work, "postgres");
        Directory.CreateDirectory(postgresDirectory);
        TestTools.OpenToPostgresUser(postgresDirectory);
        var postgresStarted = false;
        try
        {
            var graphileDirectory = await InstallGraphileAsync(Path.Combine(work, "graphile"));
            var postgresUrl = await TestTools.RunAsync(repository, "postgres", "start", postgresDirectory);
            postgresStarted = true;
            var postgres = new PostgresCluster(postgresUrl, Path.Combine(postgresDirectory, "pg", "data", "postmaster.pid"));
            await using var graphile = await GraphileTarget.StartAsync(graphileDirectory, postgres);
            var config = Path.Combine(work, "store.json");
            await File.WriteAllTextAsync(config,
                $$"""{ "Jobs": { "Slots": {{Slots}}, "Types": { "noop": { "Command": ["true"] } } } }""");
            using var server = BenchServer.Start(Path.Combine(work, "root"), "--config", config);
            using var store = new StoreTarget(server, StoreTarget.TargetName);
            List<ITarget> list = [new SpawnTarget(), graphile, store];

            // Another build of the store in the same run (before/after a change), when one is named.
            using var beforeServer = Environment.GetEnvironmentVariable("ARTIFACTSTORE_BENCH_BEFORE_DLL") is { Length: > 0 } before
                ? BenchServer.StartBuild(before, Path.Combine(work, "root-before"), null, "--config", config)
                : null;
            using var beforeStore = beforeServer is null ? null : new StoreTarget(beforeServer, StoreTarget.TargetName + ", before");
            if (beforeStore is not null)
            {
                list.Add(beforeStore);
            }

            await MeasureAsync([.. list], jobs, rounds);
            return 0;
        }
        finally
        {
            if (postgresStarted)
            {
                await TestTools.RunAsync(repository, "postgres", "stop", postgresDirectory);
            }

            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>A warm-up of every target, then <paramref name="rounds"/> rounds in an order that rotates, and the table.</summary>
    private static async Task MeasureAsync(ITarget[] targets, int jobs, int rounds)
    {
        Console.WriteLine($"no-op jobs (command 'true'): {jobs} per measurement, {rounds} rounds, {Submitters} submitters, {Slots} slots / concurrency {Slots}");
        Console.WriteLine("warm-up (not measured)...");
        foreach (var target in targets)
        {
            // A whole measurement's worth: a cold server spends several seconds in the JIT.
            await target.RunAsync(Math.Max(Submitters * 4, jobs));
        }

        var results = targets.ToDictionary(t => t.Name, _ => new List<Measured>());
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < targets.Length; i++)
            {
                var target = targets[(i + round) % targets.Length];
                var measured = await target.RunAsync(jobs);
                results[target.Name].Add(measured);
                Console.WriteLine($"round {round + 1}: {target.Name,-28} {measured.JobsPerSecond,8:F1} jobs/s  {measured.CpuMsPerJob,6:F2} ms CPU/job"
                    + (measured.WithDatabaseMsPerJob is { } db ? $"  ({db:F2} ms with PostgreSQL)" : ""));
            }
        }

        PrintTable(targets, results);
    }

    private static void PrintTable(ITarget[] targets, Dictionary<string, List<Measured>> results)
    {
        double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToList();
            return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        }

        Console.WriteLine();
        Console.WriteLine("| what | jobs/s (median) | CPU ms per job, the process | with PostgreSQL |");
        Console.WriteLine("|---|---|---|---|");
        var rate = new Dictionary<string, double>();
        foreach (var target in targets)
        {
            var measured = results[target.Name];
            rate[target.Name] = Median(measured.Select(m => m.JobsPerSecond));
            var withDatabase = measured.All(m => m.WithDatabaseMsPerJob is not null) ? Median(measured.Select(m => m.WithDatabaseMsPerJob!.Value)).ToString("F2", CultureInfo.InvariantCulture) : "—";
            Console.WriteLine($"| {target.Name} | {rate[target.Name]:F1} | {Median(measured.Select(m => m.CpuMsPerJob)):F2} | {withDatabase} |");
        }

        var storeRate = rate[StoreTarget.TargetName];
        Console.WriteLine();
        if (rate.TryGetValue(GraphileTarget.TargetName, out var graphile))
        {
            Console.WriteLine($"store / graphile-worker: {storeRate / graphile:F2}x (target >= 1.0)");
        }

        Console.WriteLine($"store / bare spawn:      {storeRate / rate[SpawnTarget.TargetName]:F2}x (aim >= 0.5)");
        if (rate.TryGetValue(StoreTarget.TargetName + ", before", out var before))
        {
            Console.WriteLine($"store / store before:    {storeRate / before:F2}x in jobs/s, {Median(results[StoreTarget.TargetName].Select(m => m.CpuMsPerJob)) / Median(results[StoreTarget.TargetName + ", before"].Select(m => m.CpuMsPerJob)):F2}x in CPU per job");
        }
    }

    /// <summary>Installs the pinned graphile-worker from npm into <paramref name="directory"/> (bench only, never for the tests).</summary>
    private static async Task<string> InstallGraphileAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "package.json"), """{ "private": true }""");
        Console.WriteLine($"installing graphile-worker {GraphileVersion} from npm into {directory}...");
        var info = new ProcessStartInfo("npm", ["install", "--no-audit", "--no-fund", "--silent", "--save-exact", $"graphile-worker@{GraphileVersion}"])
        {
            WorkingDirectory = directory,
            UseShellExecute = false,
        };
        using var npm = Process.Start(info) ?? throw new InvalidOperationException("cannot start npm (Debian's 'npm' package provides it)");
        await npm.WaitForExitAsync();
        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm install graphile-worker@{GraphileVersion} failed (exit code {npm.ExitCode})");
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "worker.js"), GraphileTarget.WorkerScript);
        return directory;
    }

    private sealed record Measured(double JobsPerSecond, double CpuMsPerJob, double? WithDatabaseMsPerJob);

    private interface ITarget
    {
        string Name { get; }

        Task<Measured> RunAsync(int jobs);
    }

    /// <summary>Runs <paramref name="submit"/> on <see cref="Submitters"/> tasks, each adding its share of <paramref name="jobs"/> one after another.</summary>
    private static Task SubmitAllAsync(int jobs, Func<int, int, Task> submit) =>
        Task.WhenAll(Enumerable.Range(0, Submitters).Select(s => Task.Run(async () =>
        {
            for (var job = s; job < jobs; job += Submitters)
            {
                await submit(s, job);
            }
        })));

    private static async Task WaitUntilAsync(Func<Task<bool>> done, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await done())
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"{what} did not complete its jobs within 5 minutes");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>(a) One loop starting <c>true</c> and waiting for it, one after another: the bare spawn rate.</summary>
    private sealed class SpawnTarget : ITarget
    {
        public const string TargetName = "a loop spawning 'true'";

        public string Name => TargetName;

        public async Task<Measured> RunAsync(int jobs)
        {
            using var self = Process.GetCurrentProcess();
            var cpu = self.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < jobs; i++)
            {
                using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
                await process.WaitForExitAsync();
            }

            var elapsed = clock.Elapsed;
            self.Refresh();
            return new Measured(jobs / elapsed.TotalSeconds, (self.TotalProcessorTime - cpu).TotalMilliseconds / jobs, null);
        }
    }

    /// <summary>(c) ArtifactStore: 16 submitters POST /v1/jobs with a distinct small input each; done when nothing is queued or running.</summary>
    private sealed class StoreTarget(BenchServer server, string name) : ITarget, IDisposable
    {
        public const string TargetName = "ArtifactStore, 2 slots";
        private readonly HttpClient _http = new() { BaseAddress = new Uri(server.Url + "/") };
        private int _submitted;

        public string Name => name;

        public async Task<Measured> RunAsync(int jobs)
        {
            var cpu = server.CpuTime();
            var clock = Stopwatch.StartNew();
            await SubmitAllAsync(jobs, async (_, _) =>
            {
                using var form = new MultipartFormDataContent();
                form.Add(new StringContent("noop"), "type");
                var part = new ByteArrayContent(BitConverter.GetBytes(Interlocked.Increment(ref _submitted)));
                part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                form.Add(part, "input", "in.bin");
                using var response = await _http.PostAsync("v1/jobs", form);
                response.EnsureSuccessStatusCode();
            });
            await WaitUntilAsync(async () => !await AnyAsync("queued") && !await AnyAsync("running"), Name);
            var elapsed = clock.Elapsed;
            var used = server.CpuTime() - cpu;
            if (await AnyAsync("failed"))
            {
                throw new InvalidOperationException("a no-op job failed in the store (GET /v1/jobs?state=failed)");
            }

            return new Measured(jobs / elapsed.TotalSeconds, used.TotalMilliseconds / jobs, null);
        }

        public void Dispose() => _http.Dispose();

        private async Task<bool> AnyAsync(string state)
        {
            using var body = JsonDocument.Parse(await _http.GetStringAsync($"v1/jobs?state={state}&limit=1"));
            return body.RootElement.GetProperty("items").GetArrayLength() > 0;
        }
    }

    /// <summary>The throwaway cluster: how to reach it, and the CPU its processes have used (the postmaster, its children, and the children it reaped).</summary>
    private sealed class PostgresCluster(string connectionString, string pidFile)
    {
        public string ConnectionString { get; } = connectionString;

        public TimeSpan CpuTime()
        {
            var postmaster = int.Parse(File.ReadLines(pidFile).First(), CultureInfo.InvariantCulture);
            var total = ProcCpu.Of(postmaster, withReapedChildren: true);
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(directory), out var pid) && pid != postmaster && ProcCpu.ParentOf(pid) == postmaster)
                {
                    total += ProcCpu.Of(pid, withReapedChildren: false);
                }
            }

            return total;
        }
    }

    /// <summary>(b) graphile-worker on the throwaway PostgreSQL: a Node worker with concurrency 2 whose task spawns <c>true</c>; 16 connections add jobs.</summary>
    private sealed class GraphileTarget : ITarget, IAsyncDisposable
    {
        public const string TargetName = $"graphile-worker {GraphileVersion}";

        /// <summary>
        /// The worker: task <c>noop</c> spawns <c>true</c> and fails unless it exits 0. Its logger is silent, so the
        /// peer pays nothing for logging each job. Closing its stdin stops it.
        /// </summary>
        public const string WorkerScript = """
            const { run, Logger } = require("graphile-worker");
            const { spawn } = require("child_process");
            const spawnTrue = () => new Promise((resolve, reject) => {
              const child = spawn("true", [], { stdio: "ignore" });
              child.on("error", reject);
              child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error("true exited with " + code))));
            });
            (async () => {
              const runner = await run({
                connectionString: process.env.DATABASE_URL,
                concurrency: Number(process.env.CONCURRENCY),
                noHandleSignals: true,
                pollInterval: 1000,
                logger: new Logger(() => () => {}),
                taskList: { noop: async () => { await spawnTrue(); } },
              });
              console.log("ready");
              process.stdin.on("end", () => runner.stop().then(() => process.exit(0)));
              process.stdin.resume();
              await runner.promise;
            })().catch((e) => { console.error(e); process.exit(1); });
            """;

        private readonly Process _worker;
        private readonly PostgresCluster _postgres;
        private readonly List<NpgsqlConnection> _connections;

        private GraphileTarget(Process worker, PostgresCluster postgres, List<NpgsqlConnection> connections)
        {
            _worker = worker;
            _postgres = postgres;
            _connections = connections;
        }

        public string Name => TargetName;

        public static async Task<GraphileTarget> StartAsync(string directory, PostgresCluster postgres)
        {
            var server = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Pooling = false };
            await using (var admin = new NpgsqlConnection(server.ToString()))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand("CREATE DATABASE graphile", admin);
                await create.ExecuteNonQueryAsync();
            }

            var info = new ProcessStartInfo("node", [Path.Combine(directory, "worker.js")])
            {
                WorkingDirectory = directory,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            info.Environment["DATABASE_URL"] = $"postgres://{server.Username}@{server.Host}:{server.Port}/graphile";
            info.Environment["CONCURRENCY"] = Slots.ToString(CultureInfo.InvariantCulture);
            var worker = Process.Start(info) ?? throw new InvalidOperationException("cannot start node (Debian's 'nodejs' package provides it)");
            if (await worker.StandardOutput.ReadLineAsync() != "ready")
            {
                worker.Kill(entireProcessTree: true);
                throw new InvalidOperationException("graphile-worker did not start (its error is above)");
            }

            var connections = new List<NpgsqlConnection>();
            for (var i = 0; i <= Submitters; i++)
            {
                var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.ToString()) { Database = "graphile" }.ToString());
                await connection.OpenAsync();
                connections.Add(connection);
            }

            return new GraphileTarget(worker, postgres, connections);
        }

        public async Task<Measured> RunAsync(int jobs)
        {
            var cpu = ProcCpu.Of(_worker.Id, withReapedChildren: false);
            var database = _postgres.CpuTime();
            var clock = Stopwatch.StartNew();
            await SubmitAllAsync(jobs, async (submitter, _) =>
            {
                await using var add = new NpgsqlCommand("SELECT graphile_worker.add_job('noop')", _connections[submitter]);
                await add.ExecuteNonQueryAsync();
            });
            await using var count = new NpgsqlCommand("SELECT count(*) FROM graphile_worker._private_jobs", _connections[Submitters]);
            await using var failed = new NpgsqlCommand("SELECT count(*) FROM graphile_worker._private_jobs WHERE last_error IS NOT NULL", _connections[Submitters]);
            await WaitUntilAsync(async () =>
            {
                if ((long)(await failed.ExecuteScalarAsync())! > 0)
                {
                    throw new InvalidOperationException("a no-op job failed in graphile-worker (see graphile_worker._private_jobs.last_error)");
                }

                return (long)(await count.ExecuteScalarAsync())! == 0;
            }, Name);
            var elapsed = clock.Elapsed;
            var used = ProcCpu.Of(_worker.Id, withReapedChildren: false) - cpu;
            var usedWithDatabase = used + (_postgres.CpuTime() - database);
            return new Measured(jobs / elapsed.TotalSeconds, used.TotalMilliseconds / jobs, usedWithDatabase.TotalMilliseconds / jobs);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var connection in _connections)
            {
                await connection.DisposeAsync();
            }

            _worker.StandardInput.Close();
            if (!_worker.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _worker.Kill(entireProcessTree: true);
                await _worker.WaitForExitAsync();
            }

            _worker.Dispose();
        }
    }

    /// <summary>CPU time from /proc/PID/stat: utime + stime, and the reaped children's cutime + cstime when asked.</summary>
    private static class ProcCpu
    {
        public static TimeSpan Of(int pid, bool withReapedChildren)
        {
            var fields = Fields(pid);
            if (fields is null)
            {
                return TimeSpan.Zero;
            }

            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            if (withReapedChildren)
            {
                ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
            }

            return TimeSpan.FromSeconds(ticks / 100.0);
        }

        public static int ParentOf(int pid) => Fields(pid) is { } fields ? int.Parse(fields[1], CultureInfo.InvariantCulture) : -1;

        /// <summary>The fields after the command name (whose parentheses may hold spaces): [0] is the state, [1] the parent.</summary>
        private static string[]? Fields(int pid)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}
