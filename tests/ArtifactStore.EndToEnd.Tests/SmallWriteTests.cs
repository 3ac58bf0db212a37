using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// Small packages kept inline in the database (docs/upload.md, "Small blobs"), on real server processes: a
/// 201 means the bytes, the events and the views committed under one fsync, whatever kills the server; backup,
/// restore and fsck carry and check the inline bytes.
/// </summary>
public sealed class SmallWriteTests(ITestOutputHelper output)
{
    private const int Clients = 16;
    private const int Kills = 20;
    private const int FileSize = 4096;

    [Fact]
    public async Task killing_the_server_during_a_16_client_small_write_load_keeps_every_acknowledged_package_and_shows_no_partial_one()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var acknowledged = new ConcurrentDictionary<string, (string Path, int Seed)>();
        var clock = Stopwatch.StartNew();
        var attempts = await UploadsUntilKilled.RunAsync(root, Kills, Clients, new Random(20261130), (700, 1800), (round, c, i) =>
        {
            var seed = (round * 1_000_000) + (c * 10_000) + i;
            var path = $"c{c}/f{i}.bin";
            return (Api.Form($"small/{round}/{c}/{i}", Api.Files((path, Content(seed)))), (path, seed));
        }, acknowledged);

        output.WriteLine($"{Kills} kills in {clock.Elapsed.TotalSeconds:0.0} s; {acknowledged.Count} of {attempts} uploads acknowledged");
        Assert.True(acknowledged.Count >= Kills * Clients, $"only {acknowledged.Count} of {attempts} uploads were acknowledged; the test did not exercise much");

        // Small packages made no file: their bytes are rows of the database.
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(root, "blobs"), "*", SearchOption.AllDirectories));

        await using (var final = await ServerProcess.StartAsync(root))
        {
            foreach (var (id, (path, seed)) in acknowledged)
            {
                var read = await Api.DownloadAsync(final.Http, id, path);
                Assert.True(Content(seed).AsSpan().SequenceEqual(read), $"{id}/{path} differs");
            }

            // Whatever is visible, acknowledged or not, is whole.
            Assert.True(await UploadsUntilKilled.AssertEveryListedPackageIsWholeAsync(final.Http) >= acknowledged.Count);
            var (_, problem) = await Api.VerifyChainAsync(final.Http);
            Assert.Null(problem);
            Assert.Equal(0, await final.StopAsync());
        }

        var fsck = await Cli.RunAsync(["fsck", "--data-root", root]);
        Assert.True(fsck.ExitCode == 0, fsck.Stdout + fsck.Stderr);
        Assert.Contains("fsck: clean", fsck.Stdout, StringComparison.Ordinal);
        await StoreFiles.AssertViewsEqualReplayAsync(root);
    }

    [Fact]
    public async Task inline_blobs_are_carried_by_backup_and_restore_and_fsck_finds_a_flipped_bit_in_one()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var packages = new List<(string Id, string Path, byte[] Bytes)>();
        await using (var server = await ServerProcess.StartAsync(root))
        {
            for (var i = 0; i < 10; i++)
            {
                // Nine small files, and one over the 64 KiB threshold that goes to blobs/ as before.
                var bytes = i == 9 ? new byte[100 * 1024] : Content(i);
                new Random(i).NextBytes(bytes);
                var (status, body) = await Api.PostPackageAsync(server.Http, Api.Form($"backup/{i}", Api.Files(($"f{i}.bin", bytes))));
                Assert.Equal(HttpStatusCode.Created, status);
                packages.Add((body.GetProperty("id").GetString()!, $"f{i}.bin", bytes));
            }

            Assert.Equal(0, await server.StopAsync());
        }

        Assert.Single(Directory.EnumerateFiles(Path.Combine(root, "blobs"), "*", SearchOption.AllDirectories));
        var backup = await Cli.RunAsync(["backup", temp.Combine("backup"), "--data-root", root]);
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
        var restored = temp.Combine("restored");
        var restore = await Cli.RunAsync(["restore", temp.Combine("backup"), "--data-root", restored]);
        Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);
        var clean = await Cli.RunAsync(["fsck", "--data-root", restored]);
        Assert.True(clean.ExitCode == 0, clean.Stdout + clean.Stderr);
        Assert.Contains("fsck: clean", clean.Stdout, StringComparison.Ordinal);

        await using (var again = await ServerProcess.StartAsync(restored))
        {
            foreach (var (id, path, bytes) in packages)
            {
                var read = await Api.DownloadAsync(again.Http, id, path);
                Assert.True(bytes.AsSpan().SequenceEqual(read), $"{id}/{path} differs after restore");
            }

            Assert.Equal(0, await again.StopAsync());
        }

        // Bit rot inside one inline blob of the restored store: fsck names it, a download refuses it.
        var damaged = packages[3];
        RootFiles.FlipInlineByte(restored, Api.Sha256(damaged.Bytes), 100);
        var found = await Cli.RunAsync(["fsck", "--data-root", restored]);
        Assert.NotEqual(0, found.ExitCode);
        Assert.Contains(Api.Sha256(damaged.Bytes), found.Stdout, StringComparison.Ordinal);
        await using (var served = await ServerProcess.StartAsync(restored))
        {
            using var response = await served.Http.GetAsync($"v1/packages/{damaged.Id}/files/{damaged.Path}");
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Contains("blob_corrupt", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var neighbour = packages[4];
            var neighbourBytes = await Api.DownloadAsync(served.Http, neighbour.Id, neighbour.Path);
            Assert.True(neighbour.Bytes.AsSpan().SequenceEqual(neighbourBytes));
        }
    }

    [Fact]
    public async Task fsck_repair_puts_back_a_corrupt_and_a_missing_inline_blob_from_the_inline_copies_of_a_backup()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var packages = new List<(string Id, string Path, byte[] Bytes)>();
        await using (var server = await ServerProcess.StartAsync(root))
        {
            for (var i = 0; i < 3; i++)
            {
                var bytes = Content(100 + i);
                var (status, body) = await Api.PostPackageAsync(server.Http, Api.Form($"repair/{i}", Api.Files(($"f{i}.bin", bytes))));
                Assert.Equal(HttpStatusCode.Created, status);
                packages.Add((body.GetProperty("id").GetString()!, $"f{i}.bin", bytes));
            }

            Assert.Equal(0, await server.StopAsync());
        }

        var backupDir = temp.Combine("backup");
        var backup = await Cli.RunAsync(["backup", backupDir, "--data-root", root]);
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
        // The backup holds these blobs only in its database copy: no file could serve them.
        var backupBlobs = Path.Combine(backupDir, "blobs");
        Assert.False(Directory.Exists(backupBlobs) && Directory.EnumerateFiles(backupBlobs, "*", SearchOption.AllDirectories).Any());

        var (corrupt, missing) = (packages[0], packages[1]);
        var corruptHex = Api.Sha256(corrupt.Bytes)["sha256:".Length..];
        var missingHex = Api.Sha256(missing.Bytes)["sha256:".Length..];
        RootFiles.FlipInlineByte(root, corruptHex, 10);
        Assert.Equal(1, RootFiles.Sql(root, $"DELETE FROM inline_blobs WHERE sha256 = '{missingHex}'"));
        var damaged = await Cli.RunAsync(["fsck", "--data-root", root]);
        Assert.Equal(1, damaged.ExitCode);

        var repair = await Cli.RunAsync(["fsck", "--repair", "--blobs-from", backupDir, "--data-root", root]);
        Assert.True(repair.ExitCode == 0, repair.Stdout + repair.Stderr);
        Assert.Contains($"restored blob {Api.Sha256(corrupt.Bytes)}", repair.Stdout, StringComparison.Ordinal);
        Assert.Contains($"restored blob {Api.Sha256(missing.Bytes)}", repair.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot fix", repair.Stdout, StringComparison.Ordinal);

        // Put back as files; the damaged inline copy is gone, the untouched neighbour stays inline.
        Assert.Equal(0, StoreFiles.Scalar(root, $"SELECT COUNT(*) FROM inline_blobs WHERE sha256 IN ('{corruptHex}', '{missingHex}')"));
        Assert.Equal(1, StoreFiles.Scalar(root, $"SELECT COUNT(*) FROM inline_blobs WHERE sha256 = '{Api.Sha256(packages[2].Bytes)["sha256:".Length..]}'"));
        Assert.Equal(2, Directory.EnumerateFiles(Path.Combine(root, "blobs"), "*", SearchOption.AllDirectories).Count());
        var clean = await Cli.RunAsync(["fsck", "--data-root", root]);
        Assert.True(clean.ExitCode == 0, clean.Stdout + clean.Stderr);

        await using var again = await ServerProcess.StartAsync(root);
        foreach (var (id, path, bytes) in packages)
        {
            var read = await Api.DownloadAsync(again.Http, id, path);
            Assert.True(bytes.AsSpan().SequenceEqual(read), $"{id}/{path} differs after the repair");
        }

        Assert.Equal(0, await again.StopAsync());
    }

    private static byte[] Content(int seed)
    {
        var bytes = new byte[FileSize];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
