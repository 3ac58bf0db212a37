using System.Net;
using System.Text.Json;
using ArtifactStore.Core.Time;

namespace ArtifactStore.EndToEnd.Tests;

public sealed class RetentionLifecycleTests
{
    private const string Config = """
        { "Retention": { "Classes": { "short": { "Duration": "00:00:03" } }, "SweepInterval": "1.00:00:00" },
          "Gc": { "BlobGracePeriod": "00:00:00", "Interval": "1.00:00:00" } }
        """;

    [Fact]
    public async Task the_whole_retention_story_over_http_reads_back_from_the_history_with_actors_and_survives_a_rebuild()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var config = StoreFiles.Config(temp, Config);
        string history;
        string id;
        string sharedDigest;
        string keeperId;
        string op;
        await using (var server = await ServerProcess.StartAsync(root, config))
        {
            var admin = await TokenCli.CreateAsync(root, "root-admin", "admin", null);
            var writer = await TokenCli.CreateAsync(root, "ci-bot", "writer", admin);
            op = (await TokenCli.CreateAsync(root, "alice", "operator", admin))!;

            var shared = "shared between two packages"u8.ToArray();
            var unique = "only in the expiring package"u8.ToArray();
            sharedDigest = Api.Sha256(shared);
            var (status, created) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/packages", writer,
                content: Api.Form("story", Api.Files(("shared.txt", shared), ("unique.txt", unique)), "retention_class", "short"));
            Assert.Equal(HttpStatusCode.Created, status);
            id = created.GetProperty("id").GetString()!;
            Assert.Equal("ci-bot", created.GetProperty("created_by").GetString());
            var (_, keeper) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/packages", writer, content: Api.Form("keeper", Api.Files(("shared.txt", shared))));
            keeperId = keeper.GetProperty("id").GetString()!;
            var expiresAt = Rfc3339.Parse(created.GetProperty("retention").GetProperty("expires_at").GetString()!);

            // Extend once; an earlier date and an empty reason are refused.
            var (earlier, earlierBody) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/packages/{id}/retention/extensions", op,
                new { new_expires_at = Rfc3339.ToText(expiresAt.AddSeconds(-1)), reason = "oops" });
            Assert.Equal(HttpStatusCode.UnprocessableEntity, earlier);
            Assert.Equal("extension_not_later", earlierBody.GetProperty("code").GetString());
            var (empty, emptyBody) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/packages/{id}/retention/extensions", op,
                new { new_expires_at = Rfc3339.ToText(expiresAt.AddSeconds(1)), reason = "" });
            Assert.Equal(HttpStatusCode.UnprocessableEntity, empty);
            Assert.Equal("reason_required", emptyBody.GetProperty("code").GetString());
            var (extended, _) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/packages/{id}/retention/extensions", op,
                new { new_expires_at = Rfc3339.ToText(expiresAt.AddSeconds(1)), reason = "wait for the audit" });
            Assert.Equal(HttpStatusCode.OK, extended);

            var (held, hold) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/packages/{id}/retention/holds", op, new { reason = "legal review" });
            Assert.Equal(HttpStatusCode.Created, held);
            var holdId = hold.GetProperty("hold_id").GetString()!;

            await Task.Delay(expiresAt.AddSeconds(1.5) - DateTimeOffset.UtcNow is { TotalMilliseconds: > 0 } wait ? wait : TimeSpan.Zero);
            var (_, sweep1) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/retention/sweep", op);
            Assert.Empty(sweep1.GetProperty("eligible").EnumerateArray());

            // Releasing the last hold of the expired package makes it eligible at once; the sweep finds nothing left to mark.
            var (released, _) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/packages/{id}/retention/holds/{holdId}/release", op, new { reason = "review finished" });
            Assert.Equal(HttpStatusCode.OK, released);
            var (_, sweep2) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/retention/sweep", op);
            Assert.Empty(sweep2.GetProperty("eligible").EnumerateArray());

            var bytesBefore = StoreFiles.StoredBytes(root);
            var (_, gc) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/gc", op);
            Assert.Equal(id, Assert.Single(gc.GetProperty("packages_deleted").EnumerateArray()).GetProperty("package_id").GetString());
            // The package's blobs are small, so inline: what GC says it freed left the database's inline table.
            Assert.Equal(bytesBefore - StoreFiles.StoredBytes(root), gc.GetProperty("bytes_freed").GetInt64());
            Assert.True(gc.GetProperty("bytes_freed").GetInt64() >= unique.Length, gc.ToString());

            var (expired, tombstone) = await Api.SendAsync(server.Http, HttpMethod.Get, $"v1/packages/{id}", op);
            Assert.Equal(HttpStatusCode.NotFound, expired);
            Assert.Equal("package_expired", tombstone.GetProperty("code").GetString());
            Assert.Equal("retention expired", tombstone.GetProperty("tombstone").GetProperty("reason").GetString());
            Assert.Contains(tombstone.GetProperty("tombstone").GetProperty("files").EnumerateArray(), f => f.GetProperty("sha256").GetString() == Api.Sha256(unique));
            Assert.False(StoreFiles.IsStored(root, Api.Sha256(unique)), "the package's unique blob must be gone, file or inline row");
            Assert.True(StoreFiles.IsStored(root, sharedDigest), "a blob shared with a live package must stay");
            using (var sharedRequest = new HttpRequestMessage(HttpMethod.Get, $"v1/packages/{keeperId}/files/shared.txt"))
            {
                sharedRequest.Headers.Authorization = new("Bearer", writer);
                using var sharedResponse = await server.Http.SendAsync(sharedRequest);
                Assert.Equal(shared, await sharedResponse.Content.ReadAsByteArrayAsync());
            }

            var (_, deletedList) = await Api.SendAsync(server.Http, HttpMethod.Get, "v1/packages?state=deleted", op);
            Assert.Equal(id, Assert.Single(deletedList.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());

            history = await HistoryAsync(server, id, op);
            Assert.Equal(0, await server.StopAsync());
        }

        using var document = JsonDocument.Parse(history);
        var story = document.RootElement.GetProperty("events").EnumerateArray()
            .Select(e => (Type: e.GetProperty("type").GetString(), Actor: e.GetProperty("actor").GetString())).ToList();
        Assert.Equal(
        [
            ("v1.package.created", "ci-bot"),
            ("v1.retention.default_applied", "ci-bot"),
            ("v1.retention.extended", "alice"),
            ("v1.retention.hold_applied", "alice"),
            ("v1.retention.hold_released", "alice"),
            ("v1.retention.deletion_eligible", "alice"),
            ("v1.package.deleted", "alice"),
        ], story);
        Assert.Equal(ArtifactStore.Core.Encoding.Jcs.Canonicalize(history), history);

        // Rebuild the views from the events alone: the story reads back identically.
        var rebuilt = await Cli.RunAsync(["rebuild-views", "--data-root", root, "--config", config]);
        Assert.True(rebuilt.ExitCode == 0, rebuilt.Stderr);
        await using var again = await ServerProcess.StartAsync(root, config);
        var token = await TokenCli.CreateAsync(root, "reader-after-rebuild", "reader", null, expectFailure: true);
        Assert.Null(token); // tokens survived the rebuild: anonymous creation is refused now
        Assert.Equal(HttpStatusCode.Unauthorized, (await Api.SendAsync(again.Http, HttpMethod.Get, $"v1/packages/{id}/retention/history")).Status);
        Assert.Equal(history, await HistoryAsync(again, id, op));
    }

    private static async Task<string> HistoryAsync(ServerProcess server, string id, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/packages/{id}/retention/history");
        request.Headers.Authorization = new("Bearer", token);
        using var response = await server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task a_permanent_record_never_expires_never_becomes_eligible_and_cannot_be_extended()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"), StoreFiles.Config(temp, Config));
        var (_, created) = await Api.PostPackageAsync(server.Http, Api.Form("evidence", Api.Files(("e.txt", "e"u8.ToArray())), "retention_class", "permanent-record"));
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal(JsonValueKind.Null, created.GetProperty("retention").GetProperty("expires_at").ValueKind);

        var (status, problem) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/packages/{id}/retention/extensions", null,
            new { new_expires_at = "2100-01-01T00:00:00Z", reason = "keep longer" });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("not_expiring", problem.GetProperty("code").GetString());

        var (_, farFuture) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/retention/sweep?dry_run=true&as_of=2999-01-01T00:00:00Z");
        Assert.Empty(farFuture.GetProperty("eligible").EnumerateArray());
        var (refused, _) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/retention/sweep?as_of=2999-01-01T00:00:00Z");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused);
    }

    [Fact]
    public async Task dry_runs_change_nothing_and_print_exactly_what_the_real_run_then_does()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var config = StoreFiles.Config(temp, Config);
        await using var server = await ServerProcess.StartAsync(root, config);
        for (var i = 0; i < 6; i++)
        {
            var files = Api.Files(("shared.bin", "shared"u8.ToArray()), ($"own-{i}.bin", System.Text.Encoding.UTF8.GetBytes($"own {i}")));
            await Api.PostPackageAsync(server.Http, Api.Form($"dry/{i}", files, "retention_class", i % 3 == 0 ? "standard" : "short"));
        }

        // An orphan: bytes without a row, as an upload that crashed before committing leaves them.
        var orphan = "orphaned bytes"u8.ToArray();
        var orphanHex = Api.Sha256(orphan)["sha256:".Length..];
        Directory.CreateDirectory(Path.Combine(root, "blobs", "sha256", orphanHex[..2], orphanHex[2..4]));
        await File.WriteAllBytesAsync(Path.Combine(root, "blobs", "sha256", orphanHex[..2], orphanHex[2..4], orphanHex), orphan);

        await Task.Delay(TimeSpan.FromSeconds(3.5));
        var args = new[] { "--data-root", root, "--config", config };

        var before = Snapshot(root);
        var sweepPlan = await RunJsonAsync(["retention", "sweep", "--dry-run", .. args]);
        Assert.Equal(before, Snapshot(root));
        var sweep = await RunJsonAsync(["retention", "sweep", .. args]);
        Assert.Equal(4, sweep.GetProperty("eligible").GetArrayLength());
        Assert.Equal(sweepPlan.GetProperty("eligible").ToString(), sweep.GetProperty("eligible").ToString());

        before = Snapshot(root);
        var gcPlan = await RunJsonAsync(["gc", "--dry-run", .. args]);
        Assert.True(gcPlan.GetProperty("dry_run").GetBoolean());
        Assert.Equal(before, Snapshot(root));
        var bytesBefore = StoreFiles.StoredBytes(root);
        var gc = await RunJsonAsync(["gc", .. args]);
        foreach (var part in new[] { "packages_deleted", "blobs_reaped", "orphans_removed", "tombstones_purged", "bytes_freed" })
        {
            Assert.Equal(gcPlan.GetProperty(part).ToString(), gc.GetProperty(part).ToString());
        }

        Assert.Equal(4, gc.GetProperty("packages_deleted").GetArrayLength());
        Assert.Equal(orphanHex, gc.GetProperty("orphans_removed")[0].GetProperty("digest").GetString()!["sha256:".Length..]);
        Assert.Equal(bytesBefore - StoreFiles.StoredBytes(root), gc.GetProperty("bytes_freed").GetInt64());
    }

    private static (long Events, string Views, string Blobs) Snapshot(string root) =>
        (StoreFiles.Scalar(root, "SELECT COUNT(*) FROM events"), StoreFiles.ViewDump(root), StoreFiles.StoredListing(root));

    private static async Task<JsonElement> RunJsonAsync(string[] args)
    {
        var (exit, stdout, stderr) = await Cli.RunAsync(args);
        Assert.True(exit == 0, $"{string.Join(' ', args)} failed: {stderr}");
        Assert.Contains("a server holds the data root", stderr, StringComparison.Ordinal);
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }
}
