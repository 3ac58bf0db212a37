using System.Net;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>The real <c>artifactstore fsck</c>: what it names, what --repair fixes, and what it refuses.</summary>
public sealed class FsckCommandTests
{
    [Fact]
    public async Task fsck_names_a_flipped_byte_a_deleted_blob_an_edited_event_and_a_changed_view_row()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var (ids, digests) = await SeedAsync(root);

        RootFiles.FlipByte(RootFiles.BlobPath(root, digests["one/a.bin"]), 10);
        File.Delete(RootFiles.BlobPath(root, digests["two/b.bin"]));
        Assert.Equal(1, RootFiles.Sql(root, "UPDATE events SET actor = 'mallory' WHERE seq = 5"));
        Assert.Equal(1, RootFiles.Sql(root, $"UPDATE packages SET name = 'forged' WHERE id = '{ids[2]}'"));

        var (exit, stdout, _) = await Cli.RunAsync(["fsck", "--data-root", root]);
        Assert.Equal(1, exit);
        Assert.Contains($"DAMAGE corrupt_blob {digests["one/a.bin"]}", stdout, StringComparison.Ordinal);
        Assert.Contains($"DAMAGE missing_blob {digests["two/b.bin"]}", stdout, StringComparison.Ordinal);
        Assert.Contains("DAMAGE chain_broken event 5", stdout, StringComparison.Ordinal);
        Assert.Contains($"DAMAGE view_differs view packages id={ids[2]}", stdout, StringComparison.Ordinal);
        // The edited actor also changes what replay says created the package: named as a view row too.
        Assert.Contains("mallory", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task repair_rebuilds_the_views_and_removes_unreferenced_bytes_says_what_it_cannot_fix_and_a_backup_supplies_the_rest()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var config = StoreFiles.Config(temp, """{ "Gc": { "BlobGracePeriod": "00:00:01" } }""");
        var (ids, digests) = await SeedAsync(root, config);
        Assert.Equal(0, (await Cli.RunAsync(["backup", temp.Combine("backup"), "--data-root", root, "--config", config])).ExitCode);

        Assert.Equal(1, RootFiles.Sql(root, $"UPDATE packages SET name = 'forged' WHERE id = '{ids[0]}'"));
        File.Delete(RootFiles.BlobPath(root, digests["one/a.bin"]));
        var orphan = RootFiles.BlobPath(root, Api.Sha256("left by an upload that never committed"u8.ToArray()));
        Directory.CreateDirectory(Path.GetDirectoryName(orphan)!);
        await File.WriteAllTextAsync(orphan, "left by an upload that never committed");
        File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow.AddMinutes(-5));

        var repair = await Cli.RunAsync(["fsck", "--repair", "--data-root", root, "--config", config]);
        Assert.Equal(1, repair.ExitCode);
        Assert.Contains("repaired: rebuilt the views from", repair.Stdout, StringComparison.Ordinal);
        Assert.Contains("repaired: removed unreferenced bytes", repair.Stdout, StringComparison.Ordinal);
        Assert.Contains($"cannot fix: blob {digests["one/a.bin"]} is missing", repair.Stdout, StringComparison.Ordinal);
        Assert.Contains("--blobs-from", repair.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(orphan));

        var fromBackup = await Cli.RunAsync(["fsck", "--repair", "--blobs-from", temp.Combine("backup"), "--data-root", root, "--config", config]);
        Assert.Equal(0, fromBackup.ExitCode);
        Assert.Contains($"repaired: restored blob {digests["one/a.bin"]}", fromBackup.Stdout, StringComparison.Ordinal);

        var (exit, stdout, _) = await Cli.RunAsync(["fsck", "--data-root", root, "--config", config]);
        Assert.Equal(0, exit);
        Assert.Contains("fsck: clean", stdout, StringComparison.Ordinal);
        await using var server = await ServerProcess.StartAsync(root, config);
        Assert.Equal(Content(1), await Api.DownloadAsync(server.Http, ids[0], "one/a.bin"));
        var (_, package) = await Api.GetJsonAsync(server.Http, $"v1/packages/{ids[0]}");
        Assert.Equal("pkg/0", package.GetProperty("name").GetString());
    }

    [Fact]
    public async Task repair_never_rebuilds_views_from_a_broken_chain()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await SeedAsync(root);
        Assert.Equal(1, RootFiles.Sql(root, "UPDATE events SET occurred_at = '2020-01-01T00:00:00.000Z' WHERE seq = 2"));

        var (exit, stdout, _) = await Cli.RunAsync(["fsck", "--repair", "--data-root", root]);
        Assert.Equal(1, exit);
        Assert.DoesNotContain("rebuilt the views", stdout, StringComparison.Ordinal);
        Assert.Contains("cannot fix: the event hash chain is broken from event 2 on", stdout, StringComparison.Ordinal);
        Assert.Contains("artifactstore restore", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task fsck_checks_a_served_root_read_only_and_repair_is_refused_until_the_server_stops()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);
        var (status, _) = await Api.PostPackageAsync(server.Http, Api.Form("served", Api.Files(("s.txt", Content(7)))));
        Assert.Equal(HttpStatusCode.Created, status);

        var check = await Cli.RunAsync(["fsck", "--data-root", root]);
        Assert.Equal(0, check.ExitCode);
        Assert.Contains("while a server holds it", check.Stdout, StringComparison.Ordinal);
        Assert.Contains("fsck: clean", check.Stdout, StringComparison.Ordinal);

        var repair = await Cli.RunAsync(["fsck", "--repair", "--data-root", root]);
        Assert.Equal(3, repair.ExitCode);
        Assert.Contains($"process {server.Pid}", repair.Stderr, StringComparison.Ordinal);
        Assert.Contains("Stop the server", repair.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task fsck_on_a_directory_that_is_not_a_root_says_so_and_creates_nothing()
    {
        using var temp = new TempDirectory();
        var (exit, _, stderr) = await Cli.RunAsync(["fsck", "--data-root", temp.Combine("nothing")]);
        Assert.Equal(3, exit);
        Assert.Contains("is not an ArtifactStore data root", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("nothing")));
    }

    /// <summary>Three packages made by a real server, which is then stopped; returns their ids and each file's digest.</summary>
    private static async Task<(List<string> Ids, Dictionary<string, string> Digests)> SeedAsync(string root, string? config = null)
    {
        var ids = new List<string>();
        var digests = new Dictionary<string, string>();
        // Every blob a file: these tests damage blob files (damage inside inline blobs: SmallWriteTests).
        await using var server = await ServerProcess.StartAsync(root, config, new Dictionary<string, string> { ["ARTIFACTSTORE_Uploads__InlineMaxBytes"] = "0" });
        foreach (var (name, path, seed) in new[] { ("pkg/0", "one/a.bin", 1), ("pkg/1", "two/b.bin", 2), ("pkg/2", "three/c.bin", 3) })
        {
            var (status, body) = await Api.PostPackageAsync(server.Http, Api.Form(name, Api.Files((path, Content(seed)))));
            Assert.Equal(HttpStatusCode.Created, status);
            ids.Add(body.GetProperty("id").GetString()!);
            digests[path] = Api.Sha256(Content(seed));
        }

        Assert.Equal(0, await server.StopAsync());
        return (ids, digests);
    }

    private static byte[] Content(int seed)
    {
        var bytes = new byte[5000 + seed];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
