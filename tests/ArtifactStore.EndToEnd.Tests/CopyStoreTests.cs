using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// The real <c>artifactstore copy-store</c> (docs/recovery.md, "copy-store") between real stores: a source
/// with packages, holds, a pin, tombstones, jobs, tokens and an idempotency record; every package reads
/// back identical through a server on the target, the event log is the same event for event, fsck is
/// clean; a copy killed midway finishes when run again; a target holding another store is refused.
/// </summary>
public sealed class CopyStoreTests(ITestOutputHelper output)
{
    [Fact]
    public async Task an_embedded_store_copied_into_scale_out_serves_the_same_packages_events_jobs_and_tokens()
    {
        using var temp = new TempDirectory();
        var source = await CopySource.CreateAsync(temp, packages: 12);
        await using var target = await ScaleOutStore.CreateAsync(temp, source.Settings);
        var local = temp.Combine("replica");

        var copy = await Cli.RunAsync(["copy-store", "--from-data-root", source.Root, "--from-config", source.Config, "--to-data-root", local, "--to-config", target.Config]);
        Assert.True(copy.ExitCode == 0, copy.Stdout + copy.Stderr);
        output.WriteLine(copy.Stdout);
        Assert.Contains("copy complete and verified", copy.Stdout, StringComparison.Ordinal);
        Assert.Contains("idempotency records: 1", copy.Stdout, StringComparison.Ordinal);

        // Every blob of the source, a file or kept inline in its database, is an object in the bucket.
        var keys = await target.BlobKeysAsync();
        var stored = StoreFiles.StoredDigests(source.Root);
        Assert.True(StoreFiles.Scalar(source.Root, "SELECT COUNT(*) FROM inline_blobs") > 0, "the source should keep its small blobs inline");
        Assert.Equal(stored.Count, keys.Count);
        Assert.All(stored, hex => Assert.Contains(keys, k => k.EndsWith(hex, StringComparison.Ordinal)));

        await source.AssertServedByAsync(local, target.Config);
        var fsck = await Cli.RunAsync(["fsck", "--data-root", local, "--config", target.Config]);
        Assert.True(fsck.ExitCode == 0, fsck.Stdout + fsck.Stderr);

        // Served since, the target has events of its own: it is no copy of the source any more.
        await using (var server = await ServerProcess.StartAsync(local, target.Config))
        {
            var (status, _) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/tokens", source.AdminToken, new { name = "later", role = "reader" });
            Assert.Equal(HttpStatusCode.Created, status);
            Assert.Equal(0, await server.StopAsync());
        }

        var again = await Cli.RunAsync(["copy-store", "--from-data-root", source.Root, "--from-config", source.Config, "--to-data-root", local, "--to-config", target.Config]);
        Assert.Equal(6, again.ExitCode);
        Assert.Contains("copy-store refused (target_not_empty)", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_copy_killed_midway_finishes_when_run_again_and_gives_the_same_store()
    {
        using var temp = new TempDirectory();
        var source = await CopySource.CreateAsync(temp, packages: 150);
        await using var target = await ScaleOutStore.CreateAsync(temp, source.Settings);
        var local = temp.Combine("replica");
        string[] args = ["copy-store", "--from-data-root", source.Root, "--from-config", source.Config, "--to-data-root", local, "--to-config", target.Config];

        // Killed while the blobs are being copied: at its first report of blobs copied so far (every 100).
        using (var process = Cli.Start(args))
        {
            string? line;
            while ((line = await process.StandardOutput.ReadLineAsync()) is not null && !line.Contains(" so far (", StringComparison.Ordinal))
            {
            }

            Assert.NotNull(line);
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        var rerun = await Cli.RunAsync(args);
        output.WriteLine(rerun.Stdout);
        Assert.True(rerun.ExitCode == 0, rerun.Stdout + rerun.Stderr);
        Assert.Contains("resuming: the target already holds events", rerun.Stdout, StringComparison.Ordinal);
        Assert.Contains(", 0 copied by this run, hash chain verified", rerun.Stdout, StringComparison.Ordinal);
        var blobs = Regex.Match(rerun.Stdout, @"blobs: +(\d+), (\d+) copied by this run");
        Assert.True(blobs.Success, rerun.Stdout);
        var (total, copiedNow) = (long.Parse(blobs.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(blobs.Groups[2].Value, CultureInfo.InvariantCulture));
        Assert.True(copiedNow >= 1 && copiedNow < total, $"the kill did not land while blobs were copied: {copiedNow} of {total} copied by the rerun");

        await source.AssertServedByAsync(local, target.Config);
        var fsck = await Cli.RunAsync(["fsck", "--data-root", local, "--config", target.Config]);
        Assert.True(fsck.ExitCode == 0, fsck.Stdout + fsck.Stderr);

        // Once more on the finished copy: nothing to do, the same store.
        var again = await Cli.RunAsync(args);
        Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
        Assert.Contains(", 0 copied by this run (0 bytes)", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_scale_out_store_copied_while_it_serves_uploads_is_a_consistent_embedded_backup_that_copies_back()
    {
        using var temp = new TempDirectory();
        var source = await CopySource.CreateAsync(temp, packages: 6);
        await using var live = await ScaleOutStore.CreateAsync(temp, source.Settings);
        var replica = temp.Combine("replica");
        var load = await Cli.RunAsync(["copy-store", "--from-data-root", source.Root, "--from-config", source.Config, "--to-data-root", replica, "--to-config", live.Config]);
        Assert.True(load.ExitCode == 0, load.Stdout + load.Stderr);

        // The backup: scale-out → a new embedded root, while a replica keeps taking uploads.
        var backup = temp.Combine("backup");
        var acknowledged = new List<(string Id, byte[] Bytes, bool BeforeBackup)>();
        (int ExitCode, string Stdout, string Stderr) copy;
        string liveEvents;
        await using (var server = await ServerProcess.StartAsync(replica, live.Config))
        {
            server.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", source.AdminToken);
            var started = 0;
            using var stop = new CancellationTokenSource();
            var uploader = Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var bytes = System.Text.Encoding.UTF8.GetBytes($"live upload {i}");
                    var before = Volatile.Read(ref started) == 0;
                    var (status, body) = await Api.PostPackageAsync(server.Http, Api.Form($"live/{i}", Api.Files(("f.txt", bytes))));
                    Assert.Equal(HttpStatusCode.Created, status);
                    lock (acknowledged)
                    {
                        acknowledged.Add((body.GetProperty("id").GetString()!, bytes, before));
                    }
                }
            });
            while (Count(acknowledged) < 10)
            {
                await Task.Delay(20);
            }

            Volatile.Write(ref started, 1);
            copy = await Cli.RunAsync(["copy-store", "--from-data-root", temp.Combine("backup-staging"), "--from-config", live.Config, "--to-data-root", backup, "--to-config", source.Config]);
            await Task.Delay(200);
            await stop.CancelAsync();
            await uploader;
            liveEvents = (await CopySource.ReadEventsAsync(server.Http)).Events;
            Assert.Equal(0, await server.StopAsync());
        }

        Assert.True(copy.ExitCode == 0, copy.Stdout + copy.Stderr);
        output.WriteLine(copy.Stdout);
        Assert.Contains(acknowledged, a => !a.BeforeBackup);
        var fsck = await Cli.RunAsync(["fsck", "--data-root", backup, "--config", source.Config]);
        Assert.True(fsck.ExitCode == 0, fsck.Stdout + fsck.Stderr);

        // The backup is a prefix of the live store's log, and holds every upload acknowledged before it started.
        string backupEvents;
        await using (var server = await ServerProcess.StartAsync(backup, source.Config))
        {
            server.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", source.AdminToken);
            backupEvents = (await CopySource.ReadEventsAsync(server.Http)).Events;
            foreach (var (id, bytes, _) in acknowledged.Where(a => a.BeforeBackup))
            {
                Assert.Equal(bytes, await Api.DownloadAsync(server.Http, id, "f.txt"));
            }

            Assert.Null((await Api.VerifyChainAsync(server.Http)).Problem);
            Assert.Equal(0, await server.StopAsync());
        }

        Assert.StartsWith(backupEvents, liveEvents, StringComparison.Ordinal);
        Assert.True(backupEvents.Length < liveEvents.Length, "uploads after the backup started are not in it");

        // The restore: the backup copied into an empty scale-out store has the same log, seq for seq and hash for hash.
        await using var restored = await ScaleOutStore.CreateAsync(temp, source.Settings);
        var restore = await Cli.RunAsync(["copy-store", "--from-data-root", backup, "--from-config", source.Config, "--to-data-root", temp.Combine("restored"), "--to-config", restored.Config]);
        Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);
        await using (var server = await ServerProcess.StartAsync(temp.Combine("restored"), restored.Config))
        {
            server.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", source.AdminToken);
            Assert.Equal(backupEvents, (await CopySource.ReadEventsAsync(server.Http)).Events);
            Assert.Equal(0, await server.StopAsync());
        }
    }

    [Fact]
    public async Task a_target_that_holds_another_store_is_refused_and_left_as_it_was()
    {
        using var temp = new TempDirectory();
        var source = await CopySource.CreateAsync(temp, packages: 1);
        var other = temp.Combine("other");
        await using (var server = await ServerProcess.StartAsync(other))
        {
            var (status, _) = await Api.PostPackageAsync(server.Http, Api.Form("other/one", Api.Files(("a.txt", "another store"u8.ToArray()))));
            Assert.Equal(HttpStatusCode.Created, status);
            Assert.Equal(0, await server.StopAsync());
        }

        var before = StoreFiles.ViewDump(other);
        var copy = await Cli.RunAsync(["copy-store", "--from-data-root", source.Root, "--from-config", source.Config, "--to-data-root", other]);
        Assert.Equal(6, copy.ExitCode);
        Assert.Contains("copy-store refused (target_not_empty)", copy.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, StoreFiles.ViewDump(other));

        var missing = await Cli.RunAsync(["copy-store", "--from-data-root", temp.Combine("no-such-root"), "--to-data-root", temp.Combine("unused")]);
        Assert.Equal(3, missing.ExitCode);
        Assert.False(Directory.Exists(temp.Combine("no-such-root")));
        Assert.False(Directory.Exists(temp.Combine("unused")));

        var lane = await Cli.RunAsync(["copy-store", "--from-data-root", source.Root, "--from-config", source.Config, "--to-data-root", temp.Combine("eval"), "--to-config", StoreFiles.Config(temp, """{ "Profile": "eval" }""")]);
        Assert.Equal(2, lane.ExitCode);
        Assert.Contains("a store is copied only within its lane", lane.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("eval")));
    }

    private static int Count<T>(List<T> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }
}

/// <summary>
/// A stopped embedded store with something of every kind, and what a server on a copy of it must answer:
/// the same event log, the same package documents (live and deleted), the same bytes, the same jobs, and
/// the same tokens accepted and refused.
/// </summary>
internal sealed class CopySource
{
    private CopySource(string root, string config, string adminToken, string revokedToken, IReadOnlyDictionary<string, (string Path, byte[] Bytes)> files)
    {
        Root = root;
        Config = config;
        AdminToken = adminToken;
        RevokedToken = revokedToken;
        Files = files;
    }

    public string Root { get; }

    public string Config { get; }

    /// <summary>The configuration the source runs with (retention classes, job types), for the target's file.</summary>
    public string Settings => File.ReadAllText(Config);

    public string AdminToken { get; }

    public string RevokedToken { get; }

    /// <summary>Live package id → its one file.</summary>
    public IReadOnlyDictionary<string, (string Path, byte[] Bytes)> Files { get; }

    /// <summary>The answers of the source's own server, read once it was stopped and started again.</summary>
    public string Events { get; private set; } = string.Empty;

    public string Documents { get; private set; } = string.Empty;

    public static async Task<CopySource> CreateAsync(TempDirectory temp, int packages)
    {
        var root = temp.Combine("source");
        var config = StoreFiles.Config(temp, """
            { "Retention": { "Classes": { "brief": { "Duration": "00:00:01" } } },
              "Readiness": { "MinFreeSpace": 0 },
              "Jobs": { "Slots": 1, "Types": { "upper": { "Command": ["sh", "-c", "tr a-z A-Z < \"$ARTIFACTSTORE_INPUT\" > \"$ARTIFACTSTORE_OUTPUT_DIR/upper.txt\""] } } } }
            """);
        var files = new Dictionary<string, (string, byte[])>();
        string admin, revoked;
        await using (var server = await ServerProcess.StartAsync(root, config))
        {
            // The first token can be made while the store is open; everything after it is done as admin.
            var http = server.Http;
            var (_, created) = await Api.SendAsync(http, HttpMethod.Post, "v1/admin/tokens", json: new { name = "admin", role = "admin" });
            admin = created.GetProperty("token").GetString()!;
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin);
            var random = new Random(10);
            for (var i = 0; i < packages; i++)
            {
                var bytes = new byte[random.Next(1, 96 * 1024)];
                random.NextBytes(bytes);
                var path = $"dir{i % 3}/file{i}.bin";
                var (status, body) = await Api.PostPackageAsync(http, Api.Form($"copy/{i}", Api.Files((path, bytes)), "label", $"n={i}"), idempotencyKey: i == 0 ? "first-upload" : null);
                Assert.Equal(HttpStatusCode.Created, status);
                files[body.GetProperty("id").GetString()!] = (path, bytes);
            }

            var ids = files.Keys.Order(StringComparer.Ordinal).ToList();
            var (held, _) = await Api.SendAsync(http, HttpMethod.Post, $"v1/packages/{ids[0]}/retention/holds", json: new { reason = "audit" });
            Assert.Equal(HttpStatusCode.Created, held);
            Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(http, HttpMethod.Post, $"v1/packages/{ids[^1]}/retention/pin", json: new { reason = "keep" })).Status);

            // A tombstone: a brief package expires, is swept and collected.
            var (_, brief) = await Api.PostPackageAsync(http, Api.Form("copy/brief", Api.Files(("gone.txt", "soon gone"u8.ToArray())), "retention_class", "brief"));
            await Task.Delay(1200);
            Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("v1/admin/retention/sweep", null)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("v1/admin/gc", null)).StatusCode);
            Assert.Equal("package_expired", (await Api.GetJsonAsync(http, $"v1/packages/{brief.GetProperty("id").GetString()}")).Body.GetProperty("code").GetString());

            // A job that ran to its output package.
            var job = await JobApi.SubmitOkAsync(http, "upper", "to upper case"u8.ToArray());
            Assert.Equal("succeeded", JobApi.State(await JobApi.WaitAsync(http, job, states: ["succeeded", "failed"])));

            // A revoked token.
            var (_, ci) = await Api.SendAsync(http, HttpMethod.Post, "v1/admin/tokens", token: admin, json: new { name = "ci", role = "writer" });
            revoked = ci.GetProperty("token").GetString()!;
            Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(http, HttpMethod.Post, "v1/admin/tokens/ci/revoke", token: admin)).Status);
            Assert.Equal(0, await server.StopAsync());
        }

        var source = new CopySource(root, config, admin, revoked, files);
        await using (var again = await ServerProcess.StartAsync(root, config))
        {
            (source.Events, source.Documents) = await source.ReadAsync(again.Http);
            Assert.Equal(0, await again.StopAsync());
        }

        return source;
    }

    /// <summary>A server on <paramref name="root"/> answers as the source's did.</summary>
    public async Task AssertServedByAsync(string root, string? config, IDictionary<string, string>? environment = null)
    {
        await using var server = await ServerProcess.StartAsync(root, config, environment);
        var (events, documents) = await ReadAsync(server.Http);
        Assert.Equal(Events, events);
        Assert.Equal(Documents, documents);
        foreach (var (id, (path, bytes)) in Files)
        {
            var read = await Api.DownloadAsync(server.Http, id, path);
            Assert.True(bytes.AsSpan().SequenceEqual(read), $"{id}/{path} differs");
        }

        var (count, problem) = await Api.VerifyChainAsync(server.Http);
        Assert.Null(problem);
        Assert.True(count > Files.Count, $"only {count} events");

        using var revoked = new HttpRequestMessage(HttpMethod.Get, "v1/packages");
        revoked.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RevokedToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http.SendAsync(revoked)).StatusCode);

        // The idempotency record came along: the same key and content answer the same package.
        var first = Files.Single(f => f.Value.Path == "dir0/file0.bin");
        var (status, body) = await Api.PostPackageAsync(server.Http, Api.Form("copy/0", Api.Files((first.Value.Path, first.Value.Bytes)), "label", "n=0"), idempotencyKey: "first-upload");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(first.Key, body.GetProperty("id").GetString());
        Assert.Equal(0, await server.StopAsync());
    }

    /// <summary>The whole event log and every package and job document, as JSON text, with the admin token.</summary>
    private async Task<(string Events, string Documents)> ReadAsync(HttpClient http)
    {
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        var (events, _) = await ReadEventsAsync(http);
        return (events, await ReadDocumentsAsync(http));
    }

    /// <summary>The whole event log as JSON text, one event a line, each line ending in a newline (so that a prefix of the log is a prefix of the text).</summary>
    public static async Task<(string Events, long Head)> ReadEventsAsync(HttpClient http)
    {
        var events = new List<string>();
        var after = 0L;
        while (true)
        {
            var (_, page) = await Api.GetJsonAsync(http, $"v1/events?after={after}&limit=1000");
            var items = page.GetProperty("events").EnumerateArray().ToList();
            if (items.Count == 0)
            {
                break;
            }

            events.AddRange(items.Select(e => e.GetRawText()));
            after = items[^1].GetProperty("seq").GetInt64();
        }

        return (string.Join('\n', events) + '\n', after);
    }

    private static async Task<string> ReadDocumentsAsync(HttpClient http)
    {
        var documents = new List<string>();
        foreach (var state in new[] { "live", "deleted" })
        {
            var (_, list) = await Api.GetJsonAsync(http, $"v1/packages?state={state}&limit=1000");
            foreach (var item in list.GetProperty("items").EnumerateArray())
            {
                var id = item.GetProperty("id").GetString();
                documents.Add(Stable((await Api.GetJsonAsync(http, $"v1/packages/{id}")).Body));
                documents.Add(Stable((await Api.GetJsonAsync(http, $"v1/packages/{id}/retention/history")).Body));
            }
        }

        documents.Add((await Api.GetJsonAsync(http, "v1/jobs?limit=1000")).Body.GetRawText());
        documents.Add((await Api.GetJsonAsync(http, "v1/admin/tokens")).Body.GetRawText());
        return string.Join('\n', documents);
    }

    /// <summary>A document without its <c>request_id</c>, which differs with every request.</summary>
    private static string Stable(JsonElement body)
    {
        var node = JsonNode.Parse(body.GetRawText())!;
        (node as JsonObject)?.Remove("request_id");
        return node.ToJsonString();
    }
}
