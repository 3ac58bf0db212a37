using System.Net;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>The runbook's "after the disk filled up": a refused write leaves nothing behind, and freeing space is all it takes.</summary>
public sealed class DiskFullTests
{
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
