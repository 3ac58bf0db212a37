using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// Upload sessions on the scale-out backend (docs/upload.md, "Upload sessions on scale-out"), on real replica
/// processes over one PostgreSQL database and one S3 bucket: chunks of any size sent to any replica, a replica
/// killed with -9 in the middle of a chunk and the upload resumed on another, the digest checked without
/// reading the upload again, expiry by GC, the per-caller and size limits, and a digest state this build cannot
/// read refused with its code.
/// </summary>
public sealed class ScaleOutUploadSessionTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task chunks_of_any_size_alternate_between_two_replicas_and_the_blob_is_byte_identical()
    {
        using var temp = new TempDirectory();
        await using var store = await ScaleOutStore.CreateAsync();
        await using var a = await store.StartReplicaAsync(temp.Combine("a"));
        await using var b = await store.StartReplicaAsync(temp.Combine("b"));

        // 8 MiB parts: chunks smaller than a part, ones that fill a part exactly, and ones that span several.
        var bytes = RandomNumberGenerator.GetBytes((27 * MiB) + 4321);
        int[] sizes = [1, 63, 5 * MiB, (3 * MiB) - 64, 8 * MiB, 17, 10 * MiB];
        var location = await Uploads.CreateAsync(a.Http);
        var offset = 0;
        for (var i = 0; offset < bytes.Length; i++)
        {
            var replica = i % 2 == 0 ? b : a;
            var length = Math.Min(sizes[i % sizes.Length], bytes.Length - offset);
            using var response = await Uploads.AppendAsync(replica.Http, location, offset, bytes.AsMemory(offset, length));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            offset += length;
            Assert.Equal(offset.ToString(CultureInfo.InvariantCulture), response.Headers.GetValues("Upload-Offset").Single());
            // The other replica sees the same offset at once: the session is in the shared database.
            Assert.Equal(offset, await Uploads.OffsetAsync((replica == a ? b : a).Http, location));
        }

        // Out of order on either replica: 416 with the offset, nothing changed.
        using (var early = await Uploads.AppendAsync(a.Http, location, 5, new byte[10]))
        {
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, early.StatusCode);
            Assert.Equal(bytes.Length.ToString(CultureInfo.InvariantCulture), early.Headers.GetValues("Upload-Offset").Single());
            var problem = await early.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("upload_offset_mismatch", problem.GetProperty("code").GetString());
        }

        // A wrong digest: 422 with the actual one, nothing stored, and the session stays usable.
        var digest = Api.Sha256(bytes);
        var (status, refusal) = await Uploads.FinishAsync(b.Http, location, Api.Sha256([1, 2, 3]));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("digest_mismatch", refusal.GetProperty("code").GetString());
        Assert.Equal(digest, refusal.GetProperty("digest").GetString());
        Assert.Empty(await store.BlobKeysAsync());
        Assert.Equal(bytes.Length, await Uploads.OffsetAsync(a.Http, location));

        (status, var blob) = await Uploads.FinishAsync(a.Http, location, digest);
        Assert.True(status == HttpStatusCode.Created, $"{status}: {blob}");
        Assert.Equal(digest, blob.GetProperty("digest").GetString());
        Assert.Equal(bytes.Length, blob.GetProperty("size").GetInt64());
        Assert.Equal("blake3:" + Convert.ToHexStringLower(Core.Hashing.Blake3Hasher.Hash(bytes)), blob.GetProperty("blake3").GetString());

        // The blob is at its content address, the session and its staged object are gone.
        Assert.Equal([store.Prefix + "blobs/sha256/" + digest["sha256:".Length..]], await store.BlobKeysAsync());
        Assert.DoesNotContain(await store.ListObjectsAsync(), k => k.Contains("/uploads/", StringComparison.Ordinal));
        Assert.Null(await Uploads.OffsetAsync(b.Http, location));
        Assert.Equal(0L, await store.ScalarAsync("SELECT count(*) FROM upload_sessions"));
        Assert.Equal(0L, await store.ScalarAsync("SELECT count(*) FROM upload_session_parts"));

        // A package names it from the other replica, and its bytes come back identical from both.
        var package = new { name = "sessions/scale-out", labels = new Dictionary<string, string>(), @class = "ephemeral", files = new[] { new { path = "data.bin", digest } } };
        var (created, body) = await Api.SendAsync(b.Http, HttpMethod.Post, "v1/packages", json: package);
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal(blob.GetProperty("blake3").GetString(), body.GetProperty("files")[0].GetProperty("blake3").GetString());
        var id = body.GetProperty("id").GetString()!;
        Assert.Equal(bytes, await Api.DownloadAsync(a.Http, id, "data.bin"));
        Assert.Equal(bytes, await Api.DownloadAsync(b.Http, id, "data.bin"));
    }

    [Fact]
    public async Task a_replica_killed_with_9_in_the_middle_of_a_chunk_leaves_a_session_another_replica_finishes_byte_identical()
    {
        using var temp = new TempDirectory();
        await using var store = await ScaleOutStore.CreateAsync();
        await using var b = await store.StartReplicaAsync(temp.Combine("b"));
        var bytes = RandomNumberGenerator.GetBytes((96 * MiB) + 77);
        const int chunk = 12 * MiB; // not a multiple of the 8 MiB part: every chunk leaves a tail
        string location;
        long offset = 0;
        var a = await store.StartReplicaAsync(temp.Combine("a"));
        try
        {
            location = await Uploads.CreateAsync(a.Http);
            while (offset < 3 * chunk)
            {
                using var response = await Uploads.AppendAsync(a.Http, location, offset, bytes.AsMemory((int)offset, chunk));
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                offset += chunk;
            }

            // One more chunk is on its way to A when A dies.
            var inFlight = Uploads.AppendAsync(a.Http, location, offset, bytes.AsMemory((int)offset, chunk));
            await Task.Delay(150);
            await a.KillAsync();
            try
            {
                using var cut = await inFlight;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                // Cut off by the kill, as intended; if it had finished first, the offset below says so.
            }
        }
        finally
        {
            await a.DisposeAsync();
        }

        // B holds exactly what was committed: every acknowledged chunk, the cut-off one whole or not at all.
        var resumeAt = await Uploads.OffsetAsync(b.Http, location) ?? throw new InvalidOperationException("the session did not survive the kill");
        Assert.True(resumeAt == offset || resumeAt == offset + chunk, $"resumed at {resumeAt}, sent {offset} for sure and {offset + chunk} at most");
        offset = resumeAt;
        while (offset < bytes.Length)
        {
            var length = (int)Math.Min(chunk, bytes.Length - offset);
            using var response = await Uploads.AppendAsync(b.Http, location, offset, bytes.AsMemory((int)offset, length));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            offset += length;
        }

        var digest = Api.Sha256(bytes);
        var (status, blob) = await Uploads.FinishAsync(b.Http, location, digest);
        Assert.True(status == HttpStatusCode.Created, $"{status}: {blob}");
        Assert.Equal(bytes.Length, blob.GetProperty("size").GetInt64());

        var package = new { name = "sessions/killed", labels = new Dictionary<string, string>(), @class = "ephemeral", files = new[] { new { path = "data.bin", digest } } };
        var (created, body) = await Api.SendAsync(b.Http, HttpMethod.Post, "v1/packages", json: package);
        Assert.Equal(HttpStatusCode.Created, created);
        var downloaded = await Api.DownloadAsync(b.Http, body.GetProperty("id").GetString()!, "data.bin");
        Assert.Equal(digest, Api.Sha256(downloaded));
        Assert.Equal(bytes, downloaded);
    }

    [Fact]
    public async Task an_expired_session_is_removed_by_gc_on_any_replica_and_the_limits_apply_across_replicas()
    {
        using var temp = new TempDirectory();
        await using var store = await ScaleOutStore.CreateAsync();
        var environment = new Dictionary<string, string>(store.Environment())
        {
            ["ARTIFACTSTORE_Uploads__SessionTimeout"] = "00:00:10",
            ["ARTIFACTSTORE_Uploads__MaxSessionsPerCaller"] = "2",
            ["ARTIFACTSTORE_Uploads__MaxSessionBytes"] = (10 * MiB).ToString(CultureInfo.InvariantCulture),
        };
        await using var a = await ServerProcess.StartAsync(temp.Combine("a"), environment: environment);
        await using var b = await ServerProcess.StartAsync(temp.Combine("b"), environment: environment);

        // Two sessions for this caller, one on each replica; a third on either is refused.
        var first = await Uploads.CreateAsync(a.Http);
        var second = await Uploads.CreateAsync(b.Http);
        var (refused, problem) = await Api.SendAsync(a.Http, HttpMethod.Post, "v1/uploads");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused);
        Assert.Equal("too_many_upload_sessions", problem.GetProperty("code").GetString());

        // A digest state this build cannot read (a newer version's, say) is refused with its code, never used:
        // neither a chunk nor a finish goes on from it, and the session stays as it was.
        var secondId = second.Split('/')[^1];
        Assert.Equal(1, await store.ScalarAsync($"UPDATE upload_sessions SET digest_state = set_byte(digest_state, 0, 9) WHERE id = '{secondId}' RETURNING 1"));
        using (var unreadable = await Uploads.AppendAsync(a.Http, second, 0, new byte[10]))
        {
            Assert.Equal(HttpStatusCode.Conflict, unreadable.StatusCode);
            Assert.Equal("upload_state_unreadable", (await unreadable.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        }

        var (unfinished, why) = await Uploads.FinishAsync(b.Http, second, Api.Sha256([]));
        Assert.Equal(HttpStatusCode.Conflict, unfinished);
        Assert.Equal("upload_state_unreadable", why.GetProperty("code").GetString());
        Assert.Equal(0L, await Uploads.OffsetAsync(b.Http, second));

        // A chunk that would take the session past its limit is dropped whole, parts it uploaded included.
        using (var ok = await Uploads.AppendAsync(a.Http, first, 0, new byte[MiB]))
        {
            Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        }

        using (var tooBig = await Uploads.AppendAsync(b.Http, first, MiB, new byte[10 * MiB]))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        }

        Assert.Equal(MiB, await Uploads.OffsetAsync(a.Http, first));
        Assert.Equal(0L, await store.ScalarAsync("SELECT count(*) FROM upload_session_parts"));
        // Under one part, the bytes are the tail in the session's row.
        Assert.Equal(MiB, await store.ScalarAsync("SELECT length(tail) FROM upload_sessions WHERE byte_offset > 0"));

        // The session just got a chunk, so GC leaves it alone (on a busy machine the empty one may already be due).
        var firstId = first.Split('/')[^1];
        var (_, early) = await Api.SendAsync(b.Http, HttpMethod.Post, "v1/admin/gc");
        Assert.DoesNotContain(early.GetProperty("uploads_expired").EnumerateArray(), e => e.GetProperty("upload_id").GetString() == firstId);
        Assert.Equal(1L, await store.ScalarAsync($"SELECT count(*) FROM upload_sessions WHERE id = '{firstId}'"));

        await Task.Delay(TimeSpan.FromSeconds(10.5));
        var (_, dryRun) = await Api.SendAsync(b.Http, HttpMethod.Post, "v1/admin/gc?dry_run=true");
        Assert.Contains(dryRun.GetProperty("uploads_expired").EnumerateArray(), e => e.GetProperty("upload_id").GetString() == firstId);
        Assert.Equal(1L, await store.ScalarAsync($"SELECT count(*) FROM upload_sessions WHERE id = '{firstId}'"));

        var (status, report) = await Api.SendAsync(b.Http, HttpMethod.Post, "v1/admin/gc");
        Assert.Equal(HttpStatusCode.OK, status);
        var expired = report.GetProperty("uploads_expired").EnumerateArray().ToDictionary(e => e.GetProperty("upload_id").GetString()!, e => e.GetProperty("bytes").GetInt64());
        Assert.Equal(MiB, expired[firstId]);
        Assert.True(report.GetProperty("bytes_freed").GetInt64() >= MiB);
        Assert.Equal(0L, await store.ScalarAsync("SELECT count(*) FROM upload_sessions"));
        Assert.Null(await Uploads.OffsetAsync(a.Http, first));
        Assert.Null(await Uploads.OffsetAsync(a.Http, second));
        Assert.DoesNotContain(await store.ListObjectsAsync(), k => k.Contains("/uploads/", StringComparison.Ordinal));

        // The caller may open sessions again.
        Assert.StartsWith("/v1/uploads/", await Uploads.CreateAsync(a.Http), StringComparison.Ordinal);
    }
}
