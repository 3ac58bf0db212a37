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
