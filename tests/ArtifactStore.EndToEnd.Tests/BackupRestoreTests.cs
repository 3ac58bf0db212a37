using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>The real <c>artifactstore backup</c> and <c>restore</c>, against a real server under load.</summary>
public sealed class BackupRestoreTests(ITestOutputHelper output)
{
    [Fact]
    public async Task a_backup_taken_while_eight_clients_upload_restores_every_package_acknowledged_before_it_started()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var acknowledged = new ConcurrentDictionary<string, (string Path, int Seed, int Size, long AckedAt)>();
        long backupStarted = long.MaxValue, backupEnded = long.MaxValue;
        (int ExitCode, string Stdout, string Stderr) backup;
        await using (var server = await ServerProcess.StartAsync(root))
        {
            using var stop = new CancellationTokenSource();
            var uploaders = Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
            {
                var random = new Random(client);
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var (seed, size) = (random.Next(), random.Next(1, 256 * 1024));
                    var path = $"client{client}/file{i}.bin";
                    var (status, body) = await Api.PostPackageAsync(server.Http, Api.Form($"load/{client}/{i}", Api.Files((path, Content(seed, size)))));
                    Assert.Equal(HttpStatusCode.Created, status);
                    acknowledged[body.GetProperty("id").GetString()!] = (path, seed, size, Stopwatch.GetTimestamp());
                }
            })).ToArray();

            while (acknowledged.Count < 40)
            {
                await Task.Delay(50);
            }

            // Everything acknowledged before this moment must come back from the backup.
            backupStarted = Stopwatch.GetTimestamp();
            backup = await Cli.RunAsync(["backup", temp.Combine("backup"), "--data-root", root]);
            backupEnded = Stopwatch.GetTimestamp();
            await Task.Delay(200);
            await stop.CancelAsync();
            await Task.WhenAll(uploaders);
            Assert.Equal(0, await server.StopAsync());
        }

        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
        var during = acknowledged.Values.Count(a => a.AckedAt > backupStarted && a.AckedAt < backupEnded);
        Assert.True(during > 0, "no upload was acknowledged while the backup ran; the test did not exercise a live backup");
        var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(temp.Combine("backup", "artifactstore-backup.json"))).RootElement;
        output.WriteLine($"backup of {manifest.GetProperty("blobs").GetInt64()} blobs ({manifest.GetProperty("blob_bytes").GetInt64()} bytes) " +
            $"and a {manifest.GetProperty("database_bytes").GetInt64()}-byte database, {manifest.GetProperty("events").GetInt64()} events, " +
            $"took {Stopwatch.GetElapsedTime(backupStarted, backupEnded).TotalSeconds:0.00} s including process start; {during} uploads were acknowledged meanwhile; {acknowledged.Count} in all");
        output.WriteLine(backup.Stdout);

        var restored = temp.Combine("restored");
        var restore = await Cli.RunAsync(["restore", temp.Combine("backup"), "--data-root", restored]);
        Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);
        var fsck = await Cli.RunAsync(["fsck", "--data-root", restored]);
        Assert.True(fsck.ExitCode == 0, fsck.Stdout + fsck.Stderr);
        Assert.Contains("fsck: clean", fsck.Stdout, StringComparison.Ordinal);

        var before = acknowledged.Where(a => a.Value.AckedAt < backupStarted).ToList();
        Assert.True(before.Count >= 40);
        await using var again = await ServerProcess.StartAsync(restored);
        foreach (var (id, (path, seed, size, _)) in before)
        {
            var read = await Api.DownloadAsync(again.Http, id, path);
            Assert.True(Content(seed, size).AsSpan().SequenceEqual(read), $"{id}/{path} differs");
        }

        var (problemCount, problem) = await Api.VerifyChainAsync(again.Http);
        Assert.Null(problem);
        Assert.Equal(manifest.GetProperty("events").GetInt64() + 1, problemCount);
    }

    [Fact]
    public async Task a_blob_gc_reaped_between_the_snapshot_and_its_copy_is_recorded_as_being_deleted_and_the_restored_gc_finishes_it()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        // Every blob a file: the test removes blob files behind the backup's back.
        var config = StoreFiles.Config(temp, """{ "Retention": { "Classes": { "brief": { "Duration": "00:00:01" } } }, "Uploads": { "InlineMaxBytes": 0 } }""");
        string keptId;
        string[] condemned;
        await using (var server = await ServerProcess.StartAsync(root, config))
        {
            var (_, kept) = await Api.PostPackageAsync(server.Http, Api.Form("kept", Api.Files(("k.txt", "kept"u8.ToArray()))));
            keptId = kept.GetProperty("id").GetString()!;
            var (_, brief) = await Api.PostPackageAsync(server.Http, Api.Form("brief", Api.Files(("b.txt", "brief"u8.ToArray())), "retention_class", "brief"));
            condemned = [Api.Sha256("brief"u8.ToArray()), brief.GetProperty("manifest_digest").GetString()!];
            await Task.Delay(1500);
            Assert.Equal(HttpStatusCode.OK, (await server.Http.PostAsync("v1/admin/retention/sweep", null)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await server.Http.PostAsync("v1/admin/gc", null)).StatusCode); // deleted, blobs condemned (grace 1 h)
            Assert.Equal(0, await server.StopAsync());
        }

        // What the backup meets when the reaper deletes bytes after its database snapshot: rows no live
        // package references, whose bytes are gone.
        foreach (var digest in condemned)
        {
            File.Delete(RootFiles.BlobPath(root, digest));
        }

        var backup = await Cli.RunAsync(["backup", temp.Combine("backup"), "--data-root", root, "--config", config]);
        Assert.True(backup.ExitCode == 0, backup.Stdout + backup.Stderr);
        Assert.Contains("reaped by GC during the backup (not copied): 2", backup.Stdout, StringComparison.Ordinal);

        var restored = temp.Combine("restored");
        Assert.Equal(0, (await Cli.RunAsync(["restore", temp.Combine("backup"), "--data-root", restored])).ExitCode);
        var fsck = await Cli.RunAsync(["fsck", "--data-root", restored]);
        Assert.Equal(4, fsck.ExitCode);
        Assert.Contains($"unreferenced unreferenced_row {condemned[0]}", fsck.Stdout, StringComparison.Ordinal);
        Assert.Contains("left being deleted", fsck.Stdout, StringComparison.Ordinal);

        Assert.Equal(0, (await Cli.RunAsync(["gc", "--data-root", restored])).ExitCode);
        var clean = await Cli.RunAsync(["fsck", "--data-root", restored]);
        Assert.True(clean.ExitCode == 0, clean.Stdout);
        await using var again = await ServerProcess.StartAsync(restored);
        Assert.Equal("kept"u8.ToArray(), await Api.DownloadAsync(again.Http, keptId, "k.txt"));
    }

    [Fact]
    public async Task restore_refuses_a_directory_that_is_not_empty_and_backup_refuses_one_too()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await ServerProcess.CreateRootAsync(root);
        Assert.Equal(0, (await Cli.RunAsync(["backup", temp.Combine("backup"), "--data-root", root])).ExitCode);

        var occupied = temp.Combine("occupied");
        Directory.CreateDirectory(occupied);
        await File.WriteAllTextAsync(Path.Combine(occupied, "precious.txt"), "do not touch");
        var restore = await Cli.RunAsync(["restore", temp.Combine("backup"), "--data-root", occupied]);
        Assert.Equal(1, restore.ExitCode);
        Assert.Contains("is not empty", restore.Stderr, StringComparison.Ordinal);
        Assert.Equal(new[] { "precious.txt" }, Directory.EnumerateFileSystemEntries(occupied).Select(Path.GetFileName).ToArray());

        var backup = await Cli.RunAsync(["backup", occupied, "--data-root", root]);
        Assert.Equal(1, backup.ExitCode);
        Assert.Contains("is not empty", backup.Stderr, StringComparison.Ordinal);

        var inside = await Cli.RunAsync(["backup", Path.Combine(root, "backups"), "--data-root", root]);
        Assert.Equal(1, inside.ExitCode);
        Assert.Contains("inside the data root", inside.Stderr, StringComparison.Ordinal);

        var notABackup = await Cli.RunAsync(["restore", root, "--data-root", temp.Combine("x")]);
        Assert.Equal(1, notABackup.ExitCode);
        Assert.Contains("artifactstore-backup.json", notABackup.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("x")));
    }

    [Fact]
    public async Task restore_with_another_profile_makes_a_new_store_that_records_where_it_came_from()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("prod");
        string id;
        await using (var server = await ServerProcess.StartAsync(root, profile: "prod"))
        {
            var (_, body) = await Api.PostPackageAsync(server.Http, Api.Form("evidence", Api.Files(("e.txt", "prod evidence"u8.ToArray()))));
            id = body.GetProperty("id").GetString()!;
        }

        Assert.Equal(0, (await Cli.RunAsync(["backup", temp.Combine("backup"), "--data-root", root, "--profile", "prod"])).ExitCode);
        var prodStore = RootFiles.Marker(root)["store_id"]!.GetValue<string>();

        var same = temp.Combine("same");
        Assert.Equal(0, (await Cli.RunAsync(["restore", temp.Combine("backup"), "--data-root", same])).ExitCode);
        Assert.Equal(prodStore, RootFiles.Marker(same)["store_id"]!.GetValue<string>());
        Assert.Equal("prod", RootFiles.Marker(same)["profile"]!.GetValue<string>());

        var eval = temp.Combine("eval");
        var restore = await Cli.RunAsync(["restore", temp.Combine("backup"), "--data-root", eval, "--profile", "eval"]);
        Assert.True(restore.ExitCode == 0, restore.Stdout + restore.Stderr);
        var marker = RootFiles.Marker(eval);
        Assert.Equal("eval", marker["profile"]!.GetValue<string>());
        Assert.NotEqual(prodStore, marker["store_id"]!.GetValue<string>());
        Assert.Equal(prodStore, marker["restored_from"]!["store_id"]!.GetValue<string>());
        Assert.True(marker["restored_from"]!["rebound"]!.GetValue<bool>());

        var asProd = await Cli.RunAsync(["fsck", "--data-root", eval, "--profile", "prod"]);
        Assert.Equal(3, asProd.ExitCode);
        Assert.Contains("belongs to profile 'eval'", asProd.Stderr, StringComparison.Ordinal);

        await using var server2 = await ServerProcess.StartAsync(eval, profile: "eval");
        Assert.Equal("prod evidence"u8.ToArray(), await Api.DownloadAsync(server2.Http, id, "e.txt"));
        var (_, events) = await Api.GetJsonAsync(server2.Http, "v1/events?after=2");
        var restoredEvent = Assert.Single(events.GetProperty("events").EnumerateArray());
        Assert.Equal("v1.store.restored", restoredEvent.GetProperty("type").GetString());
    }

    private static byte[] Content(int seed, int size)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
