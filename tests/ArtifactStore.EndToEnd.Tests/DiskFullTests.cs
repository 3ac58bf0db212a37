using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ArtifactStore.Core.Time;
using Xunit.Abstractions;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>The runbook's "after the disk filled up": a refused write leaves nothing behind, and freeing space is all it takes.</summary>
public sealed class DiskFullTests(ITestOutputHelper output)
{
    [Fact]
    public async Task every_write_endpoint_on_a_full_disk_answers_507_changes_nothing_and_works_again_once_space_is_freed()
    {
        using var temp = new TempDirectory();
        var filesystem = temp.Combine("small");
        await using var mount = await SystemTools.TmpfsAsync(filesystem, 32);
        var root = Path.Combine(filesystem, "root");
        // The readiness checks would turn a full disk into 503 not_ready for every request at their next run;
        // here they run only at start (and the free-space check is off), so that what the write paths
        // themselves answer is what the test sees. The one job slot is kept busy by a job that only sleeps
        // (its lease outlasts the test, so it writes nothing meanwhile): the jobs submitted after it stay queued.
        var config = StoreFiles.Config(temp, """
            { "Readiness": { "MinFreeSpace": 0, "CheckInterval": "01:00:00" },
              "Jobs": { "Slots": 1, "LeaseDuration": "01:00:00", "KillGracePeriod": "00:00:01",
                        "Types": { "block": { "Command": ["sleep", "600"] }, "later": { "Command": ["true"] } } } }
            """);
        await using var server = await ServerProcess.StartAsync(root, config);
        var http = server.Http;
        var (_, admin) = await Api.SendAsync(http, HttpMethod.Post, "v1/admin/tokens", json: new { name = "admin", role = "admin" });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin.GetProperty("token").GetString());

        var expiring = await CreatePackageAsync(http, "retained/expiring");
        var pinned = await CreatePackageAsync(http, "retained/pinned");
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(http, HttpMethod.Post, $"v1/packages/{pinned}/retention/pin", json: new { reason = "keep" })).Status);
        var (_, hold) = await Api.SendAsync(http, HttpMethod.Post, $"v1/packages/{expiring}/retention/holds", json: new { reason = "review" });
        var holdId = hold.GetProperty("hold_id").GetString();
        Assert.Equal(HttpStatusCode.Created, (await Api.SendAsync(http, HttpMethod.Post, "v1/admin/tokens", json: new { name = "ci", role = "writer" })).Status);
        var blocking = await JobApi.SubmitOkAsync(http, "block", [0]);
        await JobApi.WaitAsync(http, blocking, states: "running");
        var queued = await JobApi.SubmitOkAsync(http, "later", [1, 2, 3]);

        // Every endpoint that writes, each with a request that succeeds once there is space.
        var later = Rfc3339.ToText(DateTimeOffset.UtcNow.AddDays(30));
        var writes = new (string Name, Func<Task<(HttpStatusCode Status, JsonElement Body)>> Send)[]
        {
            ("upload", () => Api.PostPackageAsync(http, Api.Form("during/full", Api.Files(("small.bin", Content(3, 1024)))))),
            ("extend", () => Api.SendAsync(http, HttpMethod.Post, $"v1/packages/{expiring}/retention/extensions", json: new { new_expires_at = later, reason = "audit" })),
            ("hold", () => Api.SendAsync(http, HttpMethod.Post, $"v1/packages/{expiring}/retention/holds", json: new { reason = "second review" })),
            ("release", () => Api.SendAsync(http, HttpMethod.Post, $"v1/packages/{expiring}/retention/holds/{holdId}/release", json: new { reason = "done" })),
            ("pin", () => Api.SendAsync(http, HttpMethod.Post, $"v1/packages/{expiring}/retention/pin", json: new { reason = "keep" })),
            ("unpin", () => Api.SendAsync(http, HttpMethod.Post, $"v1/packages/{pinned}/retention/unpin", json: new { reason = "no longer" })),
            ("token create", () => Api.SendAsync(http, HttpMethod.Post, "v1/admin/tokens", json: new { name = "reader", role = "reader" })),
            ("token revoke", () => Api.SendAsync(http, HttpMethod.Post, "v1/admin/tokens/ci/revoke")),
            ("job submit", () => JobApi.SubmitAsync(http, "later", [4, 5, 6])),
            ("job pin", () => Api.SendAsync(http, HttpMethod.Post, $"v1/jobs/{queued}/pin", json: new { reason = "keep" })),
            ("job cancel", () => Api.SendAsync(http, HttpMethod.Post, $"v1/jobs/{queued}/cancel")),
            ("sweep", () => Api.SendAsync(http, HttpMethod.Post, "v1/admin/retention/sweep")),
            ("gc", () => Api.SendAsync(http, HttpMethod.Post, "v1/admin/gc")),
        };

        var events = StoreFiles.Scalar(root, "SELECT COUNT(*) FROM events");
        var views = StoreFiles.ViewDump(root);
        using (var ballast = Ballast.Fill(Path.Combine(filesystem, "ballast")))
        {
            foreach (var (name, send) in writes)
            {
                ballast.TopUp();
                var (status, problem) = await send();
                if (name is "sweep" or "gc" && status == HttpStatusCode.OK)
                {
                    // With nothing to collect, a sweep or GC writes only its maintenance lease, one page or two. SQLite
                    // may put that in WAL space the file already holds (after a checkpoint it reuses the WAL from its
                    // start), and then no byte of new disk is needed: seen once in many runs. That is success, not a
                    // disk-full condition, as long as it changed nothing: no event, no view, as checked below.
                    output.WriteLine($"{name} fitted in space the database already held: {problem}");
                    Assert.Equal(events, StoreFiles.Scalar(root, "SELECT COUNT(*) FROM events"));
                    continue;
                }

                Assert.True(status == HttpStatusCode.InsufficientStorage, $"{name} on a full disk answered {(int)status}: {problem}");
                Assert.Equal("insufficient_storage", problem.GetProperty("code").GetString());
                Assert.Equal(507, problem.GetProperty("status").GetInt32());
                Assert.False(string.IsNullOrEmpty(problem.GetProperty("request_id").GetString()));
                Assert.Equal(events, StoreFiles.Scalar(root, "SELECT COUNT(*) FROM events"));
            }

            // Nothing half-written: the log's head and every view are as they were, no staged upload is left.
            Assert.Equal(views, StoreFiles.ViewDump(root));
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "tmp")));
        }

        // Space is back: the same requests succeed on the same process (the group commit stayed usable).
        foreach (var (name, send) in writes)
        {
            var (status, body) = await send();
            Assert.True((int)status is >= 200 and < 300, $"{name} after space was freed answered {(int)status}: {body}");
        }

        var (count, broken) = await Api.VerifyChainAsync(http);
        Assert.Null(broken);
        Assert.True(count > events, $"the retried writes appended nothing ({count} events, {events} before)");
        Assert.Equal(0, await server.StopAsync());
        var fsck = await Cli.RunAsync(["fsck", "--data-root", root, "--config", config]);
        Assert.True(fsck.ExitCode == 0, $"fsck exited {fsck.ExitCode}: {fsck.Stdout}{fsck.Stderr}");
    }

    [Fact]
    public async Task a_root_whose_marker_is_unchanged_fails_to_start_on_a_full_disk_in_one_line_with_exit_code_5_and_starts_once_space_is_freed()
    {
        using var temp = new TempDirectory();
        var filesystem = temp.Combine("small");
        await using var mount = await SystemTools.TmpfsAsync(filesystem, 16);
        var root = Path.Combine(filesystem, "root");
        var config = StoreFiles.Config(temp, """{ "Readiness": { "MinFreeSpace": 0 } }""");
        string id;
        await using (var first = await ServerProcess.StartAsync(root, config))
        {
            id = await CreatePackageAsync(first.Http, "before/full");
            Assert.Equal(0, await first.StopAsync());
        }

        var markerPath = Path.Combine(root, "artifactstore-root.json");
        var marker = await File.ReadAllBytesAsync(markerPath);
        using (Ballast.Fill(Path.Combine(filesystem, "ballast")))
        {
            // The marker needs no rewrite, but the database must write to open (its WAL index): one line, exit 5.
            var (exit, stdout, stderr) = await Cli.RunAsync(["serve", "--data-root", root, "--config", config, "--urls", "http://127.0.0.1:0"]);
            AssertOneLineFailure(exit, stdout, stderr);
            Assert.Equal(marker, await File.ReadAllBytesAsync(markerPath));
            Assert.Equal(["artifactstore-root.json"], Directory.EnumerateFiles(root, "artifactstore-root.json*").Select(Path.GetFileName));
        }

        await using var again = await ServerProcess.StartAsync(root, config);
        var (status, package) = await Api.GetJsonAsync(again.Http, $"v1/packages/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("before/full", package.GetProperty("name").GetString());
        Assert.Equal(marker, await File.ReadAllBytesAsync(markerPath));
    }

    [Fact]
    public async Task a_new_root_on_a_full_disk_fails_to_start_in_one_line_with_exit_code_5_leaving_no_marker_and_starts_once_space_is_freed()
    {
        using var temp = new TempDirectory();
        var filesystem = temp.Combine("small");
        await using var mount = await SystemTools.TmpfsAsync(filesystem, 16);
        var root = Path.Combine(filesystem, "root");
        var config = StoreFiles.Config(temp, """{ "Readiness": { "MinFreeSpace": 0 } }""");
        using (Ballast.Fill(Path.Combine(filesystem, "ballast")))
        {
            var (exit, stdout, stderr) = await Cli.RunAsync(["serve", "--data-root", root, "--config", config, "--urls", "http://127.0.0.1:0"]);
            AssertOneLineFailure(exit, stdout, stderr);
            Assert.Empty(Directory.EnumerateFiles(root, "artifactstore-root.json*"));
        }

        await using var server = await ServerProcess.StartAsync(root, config);
        Assert.True(File.Exists(Path.Combine(root, "artifactstore-root.json")));
        await CreatePackageAsync(server.Http, "after/full");
    }

    [Fact]
    public async Task an_upload_that_meets_a_full_disk_gets_507_keeps_nothing_and_the_store_recovers_when_space_is_freed()
    {
        using var temp = new TempDirectory();
        var filesystem = temp.Combine("small");
        await using var mount = await SystemTools.TmpfsAsync(filesystem, 48);
        var root = Path.Combine(filesystem, "root");
        var config = StoreFiles.Config(temp, """{ "Readiness": { "MinFreeSpace": 1048576 } }""");
        await using var server = await ServerProcess.StartAsync(root, config);

        var kept = Content(1, 256 * 1024);
        var (created, first) = await Api.PostPackageAsync(server.Http, Api.Form("before/full", Api.Files(("kept.bin", kept))));
        Assert.Equal(HttpStatusCode.Created, created);

        // Someone else fills the filesystem, leaving a few MiB: the next large upload cannot be stored.
        var ballast = Path.Combine(filesystem, "ballast");
        await FillAsync(ballast, leaveFreeBytes: 4L * 1024 * 1024, filesystem);
        var eventsBefore = StoreFiles.Scalar(root, "SELECT COUNT(*) FROM events");
        var (refused, problem) = await Api.PostPackageAsync(server.Http, Api.Form("during/full", Api.Files(("big.bin", Content(2, 12 * 1024 * 1024)))));
        Assert.Equal(HttpStatusCode.InsufficientStorage, refused);
        Assert.Equal("insufficient_storage", problem.GetProperty("code").GetString());
        Assert.Equal(eventsBefore, StoreFiles.Scalar(root, "SELECT COUNT(*) FROM events"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "tmp")));

        // Free the space: the same upload now succeeds, and what was stored before is intact.
        File.Delete(ballast);
        var (retried, _) = await Api.PostPackageAsync(server.Http, Api.Form("during/full", Api.Files(("big.bin", Content(2, 12 * 1024 * 1024)))));
        Assert.Equal(HttpStatusCode.Created, retried);
        Assert.Equal(kept, await Api.DownloadAsync(server.Http, first.GetProperty("id").GetString()!, "kept.bin"));
        var (count, broken) = await Api.VerifyChainAsync(server.Http);
        Assert.Null(broken);
        Assert.Equal(eventsBefore + 2, count);
    }

    private static void AssertOneLineFailure(int exit, string stdout, string stderr)
    {
        Assert.True(exit == 5, $"exit {exit}: {stdout}{stderr}");
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr: {stderr}");
        Assert.Contains("out of disk space", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(" at ArtifactStore", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("listening on", stdout, StringComparison.Ordinal);
    }

    private static async Task<string> CreatePackageAsync(HttpClient http, string name)
    {
        var (status, body) = await Api.PostPackageAsync(http, Api.Form(name, Api.Files(("a.bin", Content(name.Length, 2048)))));
        Assert.True(status == HttpStatusCode.Created, $"upload answered {(int)status}: {body}");
        return body.GetProperty("id").GetString()!;
    }

    private static async Task FillAsync(string path, long leaveFreeBytes, string filesystem)
    {
        var free = new DriveInfo(filesystem).AvailableFreeSpace;
        var buffer = new byte[1024 * 1024];
        await using var file = new FileStream(path, FileMode.CreateNew);
        for (var left = free - leaveFreeBytes; left > 0; left -= buffer.Length)
        {
            await file.WriteAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)));
        }
    }

    private static byte[] Content(int seed, int size)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
