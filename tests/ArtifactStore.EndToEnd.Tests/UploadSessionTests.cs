using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// Resumable upload sessions on real server processes (docs/upload.md, "Upload sessions"): a kill -9 in the middle of
/// a 1 GiB upload, chunks out of order, a wrong final digest, expiry by GC, packages from stored blobs, and the CLI
/// resuming after it was itself killed.
/// </summary>
public sealed class UploadSessionTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task a_1_GiB_upload_survives_a_kill_9_of_the_server_and_ends_byte_identical_with_flat_memory()
    {
        using var dir = new TempDirectory();
        var root = dir.Combine("root");
        const long total = 1024L * MiB;
        const int chunk = 32 * MiB;
        var content = new GeneratedContent(seed: 12);
        var buffer = new byte[chunk];
        var peaks = new List<long>();

        var server = await ServerProcess.StartAsync(root);
        string location;
        long offset = 0;
        try
        {
            location = await Uploads.CreateAsync(server.Http);
            while (offset < total / 2)
            {
                content.Fill(offset, buffer);
                using var response = await Uploads.AppendAsync(server.Http, location, offset, buffer);
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                offset += chunk;
                Assert.Equal(offset.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("Upload-Offset").Single());
            }

            // One more chunk is on its way when the server dies.
            content.Fill(offset, buffer);
            var inFlight = Uploads.AppendAsync(server.Http, location, offset, buffer);
            await Task.Delay(30);
            peaks.Add(Uploads.Memory(server.Pid).PeakKb);
            await server.KillAsync();
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
            await server.DisposeAsync();
        }

        await using var restarted = await ServerProcess.StartAsync(root);
        // The server holds what it recorded: every acknowledged chunk, perhaps the one cut off, never more than was sent.
        var resumeAt = await Uploads.OffsetAsync(restarted.Http, location) ?? throw new InvalidOperationException("the session did not survive the restart");
        Assert.InRange(resumeAt, offset, offset + chunk);
        offset = resumeAt;
        while (offset < total)
        {
            var length = (int)Math.Min(chunk, total - offset);
            content.Fill(offset, buffer.AsSpan(0, length));
            using var response = await Uploads.AppendAsync(restarted.Http, location, offset, buffer.AsMemory(0, length));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            offset += length;
        }

        var expected = content.Sha256(total);
        var (status, blob) = await Uploads.FinishAsync(restarted.Http, location, expected);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(expected, blob.GetProperty("digest").GetString());
        Assert.Equal(total, blob.GetProperty("size").GetInt64());
        peaks.Add(Uploads.Memory(restarted.Pid).PeakKb);

        // Byte-identical: the bytes at the blob's address hash to the generated content's digest.
        await using (var stored = File.OpenRead(Uploads.BlobPath(root, expected)))
        {
            Assert.Equal(total, stored.Length);
            Assert.Equal(expected, "sha256:" + Convert.ToHexStringLower(await SHA256.HashDataAsync(stored)));
        }

        // The session is gone once finished.
        Assert.Null(await Uploads.OffsetAsync(restarted.Http, location));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "uploads")));
        // Memory stays flat: neither process came near holding the upload (generous bound, far below 1 GiB).
        Assert.All(peaks, kb => Assert.True(kb < 450 * 1024, $"peak resident memory {kb} kB"));
    }

    [Fact]
    public async Task a_chunk_out_of_order_gets_416_with_the_offset_and_changes_nothing()
    {
        using var dir = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(dir.Combine("root"));
        var location = await Uploads.CreateAsync(server.Http);
        using (var first = await Uploads.AppendAsync(server.Http, location, start: null, new byte[100]))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        foreach (var start in new long?[] { 200, 0, 99, null })
        {
            using var response = await Uploads.AppendAsync(server.Http, location, start, new byte[100]);
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
            Assert.Equal("100", response.Headers.GetValues("Upload-Offset").Single());
            Assert.Equal("0-99", response.Headers.GetValues("Range").Single());
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("upload_offset_mismatch", problem.GetProperty("code").GetString());
            Assert.Equal(100, problem.GetProperty("offset").GetInt64());
        }

        Assert.Equal(100, await Uploads.OffsetAsync(server.Http, location));
        using var next = await Uploads.AppendAsync(server.Http, location, 100, new byte[50]);
        Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);
        Assert.Equal(150, await Uploads.OffsetAsync(server.Http, location));
    }

    [Fact]
    public async Task a_wrong_digest_gets_422_and_changes_nothing_then_the_right_one_stores_a_blob_packages_can_name()
    {
        using var dir = new TempDirectory();
        var root = dir.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);
        var bytes = RandomNumberGenerator.GetBytes(3 * MiB + 17);
        var digest = Api.Sha256(bytes);
        var location = await Uploads.CreateAsync(server.Http);
        using (var first = await Uploads.AppendAsync(server.Http, location, 0, bytes.AsMemory(0, 2 * MiB)))
        using (var second = await Uploads.AppendAsync(server.Http, location, 2 * MiB, bytes.AsMemory(2 * MiB)))
        {
            Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        }

        var wrong = Api.Sha256(bytes.AsSpan(1).ToArray());
        var (status, problem) = await Uploads.FinishAsync(server.Http, location, wrong);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("digest_mismatch", problem.GetProperty("code").GetString());
        Assert.Equal(digest, problem.GetProperty("digest").GetString());
        Assert.False(File.Exists(Uploads.BlobPath(root, wrong)));
        Assert.False(File.Exists(Uploads.BlobPath(root, digest)));
        Assert.Equal(bytes.Length, await Uploads.OffsetAsync(server.Http, location));

        // A package cannot name the blob before it is stored.
        var package = new { name = "sessions/one", labels = new Dictionary<string, string> { ["team"] = "eval" }, @class = "ephemeral", files = new[] { new { path = "data.bin", digest } } };
        var (refused, refusal) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/packages", json: package);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused);
        Assert.Equal("blob_unknown", refusal.GetProperty("code").GetString());

        // The session is still usable: the right digest stores the blob.
        (status, var blob) = await Uploads.FinishAsync(server.Http, location, digest);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(bytes.Length, blob.GetProperty("size").GetInt64());
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Uploads.BlobPath(root, digest)));

        var (created, body) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/packages", json: package);
        Assert.Equal(HttpStatusCode.Created, created);
        var file = body.GetProperty("files")[0];
        Assert.Equal(digest, file.GetProperty("sha256").GetString());
        Assert.Equal(blob.GetProperty("blake3").GetString(), file.GetProperty("blake3").GetString());
        Assert.Equal("ephemeral", body.GetProperty("retention_class").GetString());
        Assert.Equal(bytes, await Api.DownloadAsync(server.Http, body.GetProperty("id").GetString()!, "data.bin"));
    }

    [Fact]
    public async Task a_session_belongs_to_the_token_that_created_it()
    {
        using var dir = new TempDirectory();
        var root = dir.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);
        var admin = (await TokenCli.CreateAsync(root, "admin", "admin", null))!;
        var owner = (await TokenCli.CreateAsync(root, "owner", "writer", admin))!;
        var other = (await TokenCli.CreateAsync(root, "other", "writer", admin))!;
        var reader = (await TokenCli.CreateAsync(root, "reader", "reader", admin))!;

        var (created, session) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/uploads", owner);
        Assert.Equal(HttpStatusCode.Created, created);
        var location = session.GetProperty("location").GetString()!;
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(server.Http, HttpMethod.Post, "v1/uploads", reader)).Status);

        // For another caller the session does not exist, whatever it tries.
        var chunk = new ByteArrayContent(new byte[10]);
        foreach (var (method, path, content) in new (HttpMethod, string, HttpContent?)[]
                 {
                     (HttpMethod.Get, location, null), (HttpMethod.Patch, location, chunk),
                     (HttpMethod.Put, location + "?digest=" + Api.Sha256([]), null), (HttpMethod.Delete, location, null),
                 })
        {
            var (status, problem) = await Api.SendAsync(server.Http, method, path, other, content: content);
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Equal("upload_not_found", problem.GetProperty("code").GetString());
        }

        var (own, mine) = await Api.SendAsync(server.Http, HttpMethod.Get, location, owner);
        Assert.Equal(HttpStatusCode.OK, own);
        Assert.Equal(0, mine.GetProperty("offset").GetInt64());
        Assert.Equal(HttpStatusCode.NoContent, (await Api.SendAsync(server.Http, HttpMethod.Delete, location, owner)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(server.Http, HttpMethod.Get, location, owner)).Status);
    }

    [Fact]
    public async Task an_expired_session_is_gone_after_gc_and_its_bytes_are_freed()
    {
        using var dir = new TempDirectory();
        var root = dir.Combine("root");
        await using var server = await ServerProcess.StartAsync(root, environment: new Dictionary<string, string> { ["ARTIFACTSTORE_Uploads__SessionTimeout"] = "00:00:02" });
        var location = await Uploads.CreateAsync(server.Http);
        using (var response = await Uploads.AppendAsync(server.Http, location, 0, new byte[MiB]))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var id = location.Split('/')[^1];
        Assert.Equal(MiB, new FileInfo(Path.Combine(root, "uploads", id, "data")).Length);
        var (_, early) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/gc");
        Assert.Equal(0, early.GetProperty("uploads_expired").GetArrayLength());

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var (_, dryRun) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/gc?dry_run=true");
        Assert.Equal(id, dryRun.GetProperty("uploads_expired")[0].GetProperty("upload_id").GetString());
        Assert.True(Directory.Exists(Path.Combine(root, "uploads", id)));

        var (status, report) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/gc");
        Assert.Equal(HttpStatusCode.OK, status);
        var expired = report.GetProperty("uploads_expired");
        Assert.Equal(id, expired[0].GetProperty("upload_id").GetString());
        Assert.True(expired[0].GetProperty("bytes").GetInt64() >= MiB);
        Assert.True(report.GetProperty("bytes_freed").GetInt64() >= MiB);
        Assert.False(Directory.Exists(Path.Combine(root, "uploads", id)));
        Assert.Null(await Uploads.OffsetAsync(server.Http, location));
    }

    [Fact]
    public async Task the_cli_resumes_its_upload_after_it_was_killed()
    {
        using var dir = new TempDirectory();
        var root = dir.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);
        var source = dir.Combine("big.bin");
        var bytes = RandomNumberGenerator.GetBytes(64 * MiB);
        await File.WriteAllBytesAsync(source, bytes);
        var environment = new Dictionary<string, string> { ["XDG_CACHE_HOME"] = dir.Combine("cache") };
        string[] args = ["packages", "put", "--server", server.Url, "--name", "big/one", "--resumable-from", "1048576", "--chunk-size", "1048576", source];

        for (var attempt = 1; ; attempt++)
        {
            // Killed once the server holds part of the file, never all of it. On a loaded machine the poll can
            // miss the whole upload (64 MiB on loopback takes a fraction of a second): an upload that finished
            // before the kill is not the case under test, so it is started again (a few times at most).
            using var first = Cli.Start(args, environment);
            var uploads = Path.Combine(root, "uploads");
            var watch = Stopwatch.StartNew();
            while (SessionBytes(uploads) < 8 * MiB && !first.HasExited && watch.Elapsed < TimeSpan.FromMinutes(1))
            {
                await Task.Delay(5);
            }

            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
            if (first.ExitCode == 0)
            {
                Assert.True(attempt < 5, "the CLI finished its whole upload five times before it could be killed half-way");
                continue;
            }

            var held = SessionBytes(uploads);
            Assert.InRange(held, 8 * MiB, bytes.Length - 1);
            break;
        }

        var (exit, stdout, stderr) = await Cli.RunAsync(args, environment);
        Assert.True(exit == 0, stderr);
        Assert.Matches("resuming the upload of big.bin at byte [1-9][0-9]*", stderr);
        var package = await Api.GetJsonAsync(server.Http, $"v1/packages/{stdout.Trim()}");
        Assert.Equal(Api.Sha256(bytes), package.Body.GetProperty("files")[0].GetProperty("sha256").GetString());
        Assert.Equal(bytes, await Api.DownloadAsync(server.Http, stdout.Trim(), "big.bin"));
        // Done: no state is left behind in the cache, and no session on the server.
        Assert.Empty(Directory.EnumerateFiles(dir.Combine("cache"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "uploads")));
    }

    private static long SessionBytes(string uploads) =>
        Directory.Exists(uploads) ? Directory.EnumerateFiles(uploads, "data", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;

    /// <summary>Reproducible content of any length, addressable at any offset (1 MiB blocks of a seeded generator).</summary>
    private sealed class GeneratedContent(int seed)
    {
        public void Fill(long offset, Span<byte> destination)
        {
            var block = new byte[MiB];
            var written = 0;
            while (written < destination.Length)
            {
                var position = offset + written;
                new Random(HashCode.Combine(seed, position / MiB)).NextBytes(block);
                var within = (int)(position % MiB);
                var take = Math.Min(MiB - within, destination.Length - written);
                block.AsSpan(within, take).CopyTo(destination[written..]);
                written += take;
            }
        }

        public string Sha256(long length)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[8 * MiB];
            for (long offset = 0; offset < length; offset += buffer.Length)
            {
                var take = (int)Math.Min(buffer.Length, length - offset);
                Fill(offset, buffer.AsSpan(0, take));
                hash.AppendData(buffer, 0, take);
            }

            return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
        }
    }
}
