using System.Diagnostics;
using System.Net;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// Layout and schema migrations with real processes. The released binary has no layout step yet (layout
/// 1 is the first), so the crash test runs the real migration runner and <c>DataRoot.OpenOrCreate</c>
/// in a test tool (tests/tools/ArtifactStore.LayoutHarness) that carries one test step, "layout 0 → 1":
/// blobs kept flat as blobs/&lt;hex&gt; move into the blobs/sha256/ab/cd tree. The tool is killed with
/// SIGKILL inside the step and between the step and the marker update; then the real
/// <c>artifactstore serve</c> must serve the migrated root.
/// </summary>
public sealed class MigrationTests
{
    [Fact]
    public async Task a_layout_migration_killed_mid_step_and_before_its_marker_update_finishes_on_the_next_run_and_the_root_serves()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var files = new Dictionary<(string Id, string Path), byte[]>();
        // The layout step moves blob files: these small blobs must be files, not inline rows (docs/upload.md, "Small blobs").
        await using (var server = await ServerProcess.StartAsync(root, StoreFiles.Config(temp, """{ "Uploads": { "InlineMaxBytes": 0 } }""")))
        {
            for (var i = 0; i < 6; i++)
            {
                var content = new[] { Bytes(i, 700), Bytes(100 + i, 1300) };
                var (status, body) = await Api.PostPackageAsync(server.Http, Api.Form($"m/{i}", Api.Files(("a.bin", content[0]), ("d/b.bin", content[1]))));
                Assert.Equal(HttpStatusCode.Created, status);
                var id = body.GetProperty("id").GetString()!;
                files[(id, "a.bin")] = content[0];
                files[(id, "d/b.bin")] = content[1];
            }

            Assert.Equal(0, await server.StopAsync());
        }

        // Make it a "layout 0" root: blobs flat, marker at 0.
        var tree = Path.Combine(root, "blobs", "sha256");
        var blobs = Directory.EnumerateFiles(tree, "*", SearchOption.AllDirectories).ToList();
        Assert.Equal(18, blobs.Count); // 12 files and 6 manifests
        foreach (var blob in blobs)
        {
            File.Move(blob, Path.Combine(root, "blobs", Path.GetFileName(blob)));
        }

        Directory.Delete(tree, recursive: true);
        RootFiles.SetMarker(root, "layout_version", 0);

        // The real binary does not carry the 0 → 1 step: it refuses, and says why.
        var refused = await Cli.RunAsync(["serve", "--data-root", root, "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("has layout version 0; this binary migrates layouts 1 to 1 only", refused.Stderr, StringComparison.Ordinal);

        // Killed inside the step, twice, then after the step's last move and before the marker update.
        foreach (var (pauseAfter, movedSoFar) in new[] { (3, 3), (5, 8), (10, 18) })
        {
            await RunHarnessUntilPausedAndKillAsync(root, pauseAfter);
            Assert.Equal(0, RootFiles.Marker(root)["layout_version"]!.GetValue<int>());
            Assert.Equal(movedSoFar, Directory.EnumerateFiles(tree, "*", SearchOption.AllDirectories).Count());
            Assert.Equal(18 - movedSoFar, Directory.EnumerateFiles(Path.Combine(root, "blobs")).Count());
        }

        var (exit, stdout, stderr) = await RunHarnessAsync(root);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("applied layout 0 → 1", stdout, StringComparison.Ordinal);
        Assert.Equal(1, RootFiles.Marker(root)["layout_version"]!.GetValue<int>());

        var fsck = await Cli.RunAsync(["fsck", "--data-root", root]);
        Assert.True(fsck.ExitCode == 0, fsck.Stdout + fsck.Stderr);
        await using var again = await ServerProcess.StartAsync(root);
        foreach (var ((id, path), content) in files)
        {
            Assert.Equal(content, await Api.DownloadAsync(again.Http, id, path));
        }
    }

    [Fact]
    public async Task a_root_with_a_newer_layout_is_refused_by_every_command_naming_both_versions()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await ServerProcess.CreateRootAsync(root);
        RootFiles.SetMarker(root, "layout_version", 2);

        foreach (var command in new[] { "serve", "migrate", "fsck", "gc", "rebuild-views" })
        {
            var (exit, _, stderr) = await Cli.RunAsync([command, "--data-root", root]);
            Assert.True(exit == 3, $"{command}: exit {exit}: {stderr}");
            Assert.Contains("has layout version 2, newer than this binary supports (1)", stderr, StringComparison.Ordinal);
        }

        var backup = await Cli.RunAsync(["backup", temp.Combine("backup"), "--data-root", root]);
        Assert.Equal(3, backup.ExitCode);
        Assert.Contains("newer than this binary supports (1)", backup.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, RootFiles.Marker(root)["layout_version"]!.GetValue<int>());
    }

    [Fact]
    public async Task a_database_with_a_newer_schema_is_refused_and_left_alone()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await ServerProcess.CreateRootAsync(root);
        RootFiles.Sql(root, "INSERT INTO schema_version (version) VALUES (99)");

        var serve = await Cli.RunAsync(["serve", "--data-root", root, "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(3, serve.ExitCode);
        Assert.Contains("the database schema is version 99, newer than this binary supports", serve.Stderr, StringComparison.Ordinal);
        var fsck = await Cli.RunAsync(["fsck", "--data-root", root]);
        Assert.Equal(3, fsck.ExitCode);
        Assert.Contains("version 99", fsck.Stderr, StringComparison.Ordinal);
        Assert.Equal(99, StoreFiles.Scalar(root, "SELECT MAX(version) FROM schema_version"));
    }

    [Fact]
    public async Task migrate_on_a_current_root_says_there_is_nothing_to_do()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await ServerProcess.CreateRootAsync(root);
        var (exit, stdout, _) = await Cli.RunAsync(["migrate", "--data-root", root]);
        Assert.Equal(0, exit);
        Assert.Contains("layout 1 is current", stdout, StringComparison.Ordinal);
        Assert.Contains($"database schema {ArtifactStore.Sqlite.SqliteSchema.LatestVersion} is current", stdout, StringComparison.Ordinal);
    }

    private static async Task RunHarnessUntilPausedAndKillAsync(string root, int pauseAfter)
    {
        using var process = StartHarness(root, "--pause-after", pauseAfter.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == "harness: paused")
            {
                paused.TrySetResult();
            }
        };
        process.BeginOutputReadLine();
        await paused.Task.WaitAsync(TimeSpan.FromSeconds(60));
        process.Kill(); // SIGKILL
        await process.WaitForExitAsync();
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunHarnessAsync(string root)
    {
        using var process = StartHarness(root);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout, await stderr);
    }

    private static Process StartHarness(string root, params string[] extra)
    {
        // The harness is built next to this test assembly's configuration (Release under ./test).
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
        var dll = Path.Combine(Cli.RepositoryRoot, "tests", "tools", "ArtifactStore.LayoutHarness", "bin", configuration, "net10.0", "ArtifactStore.LayoutHarness.dll");
        Assert.True(File.Exists(dll), $"the layout harness is not built: {dll}");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { dll, root, "dev" }.Concat(extra))
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    private static byte[] Bytes(int seed, int size)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
