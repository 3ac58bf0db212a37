using System.Net;

namespace ArtifactStore.EndToEnd.Tests;

public sealed class CorruptionTests
{
    [Fact]
    public async Task a_small_blob_corrupted_on_disk_is_answered_blob_corrupt_and_not_served()
    {
        using var temp = new TempDirectory();
        // Small blobs kept as files (an inline blob's damage is SmallWriteTests' case).
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"), StoreFiles.Config(temp, """{ "Uploads": { "InlineMaxBytes": 0 } }"""));
        var bytes = "precious evidence"u8.ToArray();
        var (_, body) = await Api.PostPackageAsync(server.Http, Api.Form("evidence", Api.Files(("e.txt", bytes))));
        var id = body.GetProperty("id").GetString()!;
        Flip(temp, Api.Sha256(bytes), 3);

        var (status, problem) = await Api.GetJsonAsync(server.Http, $"v1/packages/{id}/files/e.txt");
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal("blob_corrupt", problem.GetProperty("code").GetString());
        Assert.DoesNotContain("evidence", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_large_blob_corrupted_on_disk_never_arrives_as_a_complete_response()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var bytes = new byte[12 * 1024 * 1024];
        new Random(3).NextBytes(bytes);
        var (_, body) = await Api.PostPackageAsync(server.Http, Api.Form("large", Api.Files(("l.bin", bytes))));
        var id = body.GetProperty("id").GetString()!;
        Flip(temp, Api.Sha256(bytes), bytes.Length - 100);

        var failed = false;
        try
        {
            using var response = await server.Http.GetAsync($"v1/packages/{id}/files/l.bin");
            if (response.IsSuccessStatusCode)
            {
                var received = await response.Content.ReadAsByteArrayAsync();
                failed = received.Length < bytes.Length;
            }
            else
            {
                failed = true;
            }
        }
        catch (HttpRequestException)
        {
            failed = true;
        }
        catch (IOException)
        {
            failed = true;
        }

        Assert.True(failed, "a corrupt blob was delivered as a complete, successful response");
        // The client can see the broken transfer before the server's log line reaches its output.
        for (var wait = 0; wait < 100 && !server.Output.Contains("failed verification", StringComparison.Ordinal); wait++)
        {
            await Task.Delay(100);
        }

        Assert.Contains("failed verification", server.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(256 * 1024)] // verified up front against its BLAKE3
    [InlineData(6 * 1024 * 1024)] // verified as it streams, against its BLAKE3
    public async Task a_file_corrupted_after_its_first_download_is_never_served_whole_though_its_lookup_is_cached(int size)
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        var (_, body) = await Api.PostPackageAsync(server.Http, Api.Form("cached", Api.Files(("c.bin", bytes))));
        var id = body.GetProperty("id").GetString()!;
        Assert.Equal(bytes, await Api.DownloadAsync(server.Http, id, "c.bin"));

        Flip(temp, Api.Sha256(bytes), size / 2);

        var complete = false;
        try
        {
            using var response = await server.Http.GetAsync($"v1/packages/{id}/files/c.bin");
            var received = await response.Content.ReadAsByteArrayAsync();
            complete = response.IsSuccessStatusCode && received.Length == size;
            if (size <= 4 * 1024 * 1024)
            {
                Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
                Assert.Contains("blob_corrupt", System.Text.Encoding.UTF8.GetString(received), StringComparison.Ordinal);
            }
        }
        catch (HttpRequestException)
        {
        }
        catch (IOException)
        {
        }

        Assert.False(complete, "a corrupt blob was delivered as a complete, successful response");
    }

    [Fact]
    public async Task a_small_blob_grown_on_disk_is_answered_blob_corrupt_though_its_first_bytes_are_intact()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        // Over Uploads:InlineMaxBytes (64 KiB), so the blob is a file that can grow.
        var bytes = new byte[96 * 1024];
        new Random(64).NextBytes(bytes);
        var (_, body) = await Api.PostPackageAsync(server.Http, Api.Form("grown", Api.Files(("g.bin", bytes))));
        var id = body.GetProperty("id").GetString()!;
        Assert.Equal(bytes, await Api.DownloadAsync(server.Http, id, "g.bin"));

        // The recorded length's worth of bytes still hashes right: only the extra byte gives the damage away.
        var hex = Api.Sha256(bytes)["sha256:".Length..];
        await using (var file = new FileStream(temp.Combine("root", "blobs", "sha256", hex[..2], hex[2..4], hex), FileMode.Append))
        {
            file.WriteByte(1);
        }

        var (status, problem) = await Api.GetJsonAsync(server.Http, $"v1/packages/{id}/files/g.bin");
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal("blob_corrupt", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task a_damaged_inline_row_behind_a_good_cached_copy_is_served_verified_found_by_fsck_and_refused_once_the_copy_is_gone()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");

        // Room for one cached file (1,000 bytes plus the cache's 256 bytes of overhead an entry), so a download of
        // another evicts it (docs/upload.md, "The download path").
        await using var server = await ServerProcess.StartAsync(root, StoreFiles.Config(temp, """{ "Uploads": { "InlineCacheBytes": 1500 } }"""));
        var files = new[] { "a.bin", "b.bin", "c.bin" }.ToDictionary(f => f, f =>
        {
            var bytes = new byte[1000];
            new Random(f[0]).NextBytes(bytes);
            return bytes;
        });
        var (_, body) = await Api.PostPackageAsync(server.Http, Api.Form("cached-inline", Api.Files([.. files.Select(f => (f.Key, f.Value))])));
        var id = body.GetProperty("id").GetString()!;
        Assert.True(StoreFiles.IsStored(root, Api.Sha256(files["a.bin"])) && StoreFiles.BlobBytes(root) == 0, "the files were expected inline");

        // The first download fills the cache; then the row is damaged behind it.
        Assert.Equal(files["a.bin"], await Api.DownloadAsync(server.Http, id, "a.bin"));
        RootFiles.FlipInlineByte(root, Api.Sha256(files["a.bin"]), 500);

        // The cached copy still hashes to the digest, so downloads may go on serving it: the recorded content, proven.
        Assert.Equal(files["a.bin"], await Api.DownloadAsync(server.Http, id, "a.bin"));

        // fsck reads the database, not the server's memory: it names the damaged row.
        var fsck = await Cli.RunAsync(["fsck", "--data-root", root]);
        Assert.Equal(1, fsck.ExitCode);
        Assert.Contains($"DAMAGE corrupt_blob {Api.Sha256(files["a.bin"])}", fsck.Stdout, StringComparison.Ordinal);

        // A range is a stream read of the database: it refuses the row, and that drops the cached copy too.
        await AssertRefusedAsync(server, id, "a.bin", range: true);
        await AssertRefusedAsync(server, id, "a.bin", range: false);

        // The same once the copy is evicted: b is cached and damaged, c's download takes its place.
        Assert.Equal(files["b.bin"], await Api.DownloadAsync(server.Http, id, "b.bin"));
        RootFiles.FlipInlineByte(root, Api.Sha256(files["b.bin"]), 10);
        Assert.Equal(files["b.bin"], await Api.DownloadAsync(server.Http, id, "b.bin"));
        Assert.Equal(files["c.bin"], await Api.DownloadAsync(server.Http, id, "c.bin"));
        await AssertRefusedAsync(server, id, "b.bin", range: false);
        Assert.Equal(files["c.bin"], await Api.DownloadAsync(server.Http, id, "c.bin"));
    }

    /// <summary>A download of a damaged blob: 500 <c>blob_corrupt</c>, never its bytes.</summary>
    private static async Task AssertRefusedAsync(ServerProcess server, string id, string path, bool range)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/packages/{id}/files/{path}");
        if (range)
        {
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 99);
        }

        using var response = await server.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.InternalServerError, $"{path} (range: {range}) answered {(int)response.StatusCode}");
        Assert.Contains("blob_corrupt", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// Inverts one byte of the stored blob with <paramref name="digest"/> in the root at temp/root, wherever it is kept:
    /// its file, or its row in the database when it is small enough to be inline (docs/upload.md, "Small blobs").
    /// </summary>
    internal static void Flip(TempDirectory temp, string digest, long offset)
    {
        var hex = digest["sha256:".Length..];
        var path = temp.Combine("root", "blobs", "sha256", hex[..2], hex[2..4], hex);
        if (!File.Exists(path))
        {
            RootFiles.FlipInlineByte(temp.Combine("root"), digest, checked((int)offset), 0xff);
            return;
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0xff));
    }
}
