using System.Net;
using ArtifactStore.Core.Roots;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// Each readiness check of docs/recovery.md flipped on a real server process by a real change to its root,
/// and back: /health/ready and the API go to 503 naming the check, then to 200 again.
/// </summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task a_healthy_server_is_ready_and_reports_its_revision_and_every_check()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var body = await Readiness.AssertReadyAsync(server);

        Assert.Equal(["marker", "layout", "lock", "database", "blob_store", "free_space", "recovery", "revision", "job_commands"],
            body.GetProperty("checks").EnumerateObject().Select(c => c.Name).ToList());
        var (_, version, _) = await Cli.RunAsync(["--version"]);
        Assert.Equal(version.Trim().Split('+')[1], body.GetProperty("revision").GetString());
        Assert.Equal("dev", body.GetProperty("profile").GetString());
    }

    [Fact]
    public async Task a_replaced_marker_makes_the_server_not_ready_until_its_own_marker_is_back()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);
        var markerPath = Path.Combine(root, RootMarker.FileName);
        var original = await File.ReadAllBytesAsync(markerPath);
        var marker = RootMarker.TryRead(markerPath, out _)!;

        (marker with { Profile = "eval" }).WriteAtomically(root);
        await Readiness.AssertNotReadyAsync(server, "marker", "says profile 'eval'");

        (marker with { StoreId = Guid.CreateVersion7().ToString() }).WriteAtomically(root);
        await Readiness.AssertNotReadyAsync(server, "marker", $"the root this server opened is store {marker.StoreId}");

        await File.WriteAllBytesAsync(markerPath, original);
        await Readiness.AssertReadyAsync(server);
    }

    [Fact]
    public async Task a_layout_version_other_than_the_binarys_makes_the_server_not_ready()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);
        var markerPath = Path.Combine(root, RootMarker.FileName);
        var original = await File.ReadAllBytesAsync(markerPath);
        var marker = RootMarker.TryRead(markerPath, out _)!;

        (marker with { LayoutVersion = DataRoot.CurrentLayoutVersion + 1 }).WriteAtomically(root);
        await Readiness.AssertNotReadyAsync(server, "layout", "newer than this binary supports");

        await File.WriteAllBytesAsync(markerPath, original);
        await Readiness.AssertReadyAsync(server);
    }

    [Fact]
    public async Task a_lock_file_moved_away_or_replaced_makes_the_server_not_ready_and_refuses_every_api_request()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);
        var lockPath = Path.Combine(root, "lock");
        var aside = Path.Combine(root, "lock.aside");

        File.Move(lockPath, aside);
        await Readiness.AssertNotReadyAsync(server, "lock", "is gone");
        foreach (var (method, path) in new[] { (HttpMethod.Post, "v1/packages"), (HttpMethod.Get, "v1/events"), (HttpMethod.Post, "v1/admin/gc"), (HttpMethod.Get, "v1/blobs/sha256:" + new string('a', 64)) })
        {
            var content = method == HttpMethod.Post ? Api.Form("gated", Api.Files(("a.txt", [1, 2, 3]))) : null;
            var (status, body) = await Api.SendAsync(server.Http, method, path, content: content);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("not_ready", body.GetProperty("code").GetString());
        }

        // A fresh file at the path is not the file we locked: another process could lock it.
        await File.WriteAllTextAsync(lockPath, "");
        await Readiness.AssertNotReadyAsync(server, "lock", "no longer the file this process locked");

        File.Move(aside, lockPath, overwrite: true);
        await Readiness.AssertReadyAsync(server);
        Assert.Equal(0L, StoreFiles.Scalar(root, "SELECT COUNT(*) FROM events"));
    }

    [Fact]
    public async Task a_database_whose_schema_is_not_the_binarys_makes_the_server_not_ready()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);
        var latest = StoreFiles.Scalar(root, "SELECT MAX(version) FROM schema_version");

        Execute(root, $"INSERT INTO schema_version (version) VALUES ({latest + 1})");
        await Readiness.AssertNotReadyAsync(server, "database", $"schema is version {latest + 1}, newer than this binary supports");

        Execute(root, $"DELETE FROM schema_version WHERE version = {latest + 1}");
        await Readiness.AssertReadyAsync(server);
    }

    [Fact]
    public async Task a_blob_store_that_cannot_take_new_files_makes_the_server_not_ready()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);

        await using (await SystemTools.ImmutableAsync(Path.Combine(root, "tmp")))
        {
            await Readiness.AssertNotReadyAsync(server, "blob_store", "cannot create and write a file in " + Path.Combine(root, "tmp"));
        }

        await using (await SystemTools.ImmutableAsync(Path.Combine(root, "blobs", "sha256")))
        {
            await Readiness.AssertNotReadyAsync(server, "blob_store", "is not writable");
        }

        await Readiness.AssertReadyAsync(server);
        var (status, _) = await Api.PostPackageAsync(server.Http, Api.Form("after", Api.Files(("a.txt", [1, 2, 3]))));
        Assert.Equal(HttpStatusCode.Created, status);
    }

    [Fact]
    public async Task too_little_free_space_makes_the_server_not_ready_and_refuses_uploads_until_space_is_freed()
    {
        using var temp = new TempDirectory();
        var filesystem = temp.Combine("fs");
        await using var mount = await SystemTools.TmpfsAsync(filesystem, 64);
        var config = StoreFiles.Config(temp, """{ "Readiness": { "MinFreeSpace": 33554432 } }""");
        await using var server = await ServerProcess.StartAsync(Path.Combine(filesystem, "root"), config);
        await Readiness.AssertReadyAsync(server);

        var ballast = Path.Combine(filesystem, "ballast");
        await File.WriteAllBytesAsync(ballast, new byte[40 * 1024 * 1024]);
        await Readiness.AssertNotReadyAsync(server, "free_space", "below Readiness:MinFreeSpace (32.0 MiB)");
        var (refused, body) = await Api.PostPackageAsync(server.Http, Api.Form("big", Api.Files(("a.bin", new byte[1024]))));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused);
        Assert.Equal("not_ready", body.GetProperty("code").GetString());

        File.Delete(ballast);
        await Readiness.AssertReadyAsync(server);
        var (created, _) = await Api.PostPackageAsync(server.Http, Api.Form("big", Api.Files(("a.bin", new byte[1024]))));
        Assert.Equal(HttpStatusCode.Created, created);
    }

    /// <summary>
    /// The expected revision comes from the environment at start, so it cannot change while a server
    /// runs: this checks both directions with fresh starts.
    /// </summary>
    [Fact]
    public async Task a_build_other_than_the_expected_revision_is_never_ready_and_the_expected_one_is()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        string revision;
        await using (var plain = await ServerProcess.StartAsync(root))
        {
            revision = (await Readiness.AssertReadyAsync(plain)).GetProperty("revision").GetString()!;
            Assert.Equal(0, await plain.StopAsync());
        }

        var wrong = new Dictionary<string, string> { ["ARTIFACTSTORE_EXPECTED_REVISION"] = new string('0', 40) };
        await using (var mismatched = await ServerProcess.StartListeningAsync(root, environment: wrong))
        {
            await Readiness.WaitForCheckAsync(mismatched, "recovery");
            await Readiness.AssertNotReadyAsync(mismatched, "revision", $"this build is revision {revision}, but ARTIFACTSTORE_EXPECTED_REVISION expects {new string('0', 40)}");
            Assert.Equal(0, await mismatched.StopAsync());
        }

        // A short revision, as 'git rev-parse --short' prints it, matches as a prefix.
        var expected = new Dictionary<string, string> { ["ARTIFACTSTORE_EXPECTED_REVISION"] = revision[..12] };
        await using var matching = await ServerProcess.StartAsync(root, environment: expected);
        await Readiness.AssertReadyAsync(matching);
    }

    private static void Execute(string root, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(root, "db", "artifactstore.db")};Pooling=False;Default Timeout=30");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
