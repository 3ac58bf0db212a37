using Microsoft.Data.Sqlite;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary><c>artifactstore doctor</c> on healthy and broken roots, with and without a server holding them.</summary>
public sealed class DoctorTests
{
    [Fact]
    public async Task a_healthy_root_without_a_server_passes_every_check_and_is_left_as_it_was()
    {
        using var temp = new TempDirectory();
        var root = await CreateRootAsync(temp);
        var marker = await File.ReadAllTextAsync(Path.Combine(root, "artifactstore-root.json"));

        var (exit, stdout, stderr) = await Cli.RunAsync(["doctor", "--data-root", root]);
        Assert.True(exit == 0, stdout + stderr);
        foreach (var check in new[] { "marker", "layout", "lanes", "permissions", "free_space", "lock", "database", "blob_store", "revision" })
        {
            Assert.Matches($"(?m)^  ok +{check} ", stdout);
        }

        Assert.Contains("all 9 checks pass", stdout, StringComparison.Ordinal);
        Assert.Contains("run 'artifactstore fsck' to verify every blob", stdout, StringComparison.Ordinal);
        Assert.Equal(marker, await File.ReadAllTextAsync(Path.Combine(root, "artifactstore-root.json")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "tmp")));
    }

    [Fact]
    public async Task with_a_server_holding_the_root_it_reports_the_servers_own_readiness()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);

        var (exit, stdout, stderr) = await Cli.RunAsync(["doctor", "--data-root", root]);
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains($"held by process {server.Pid} (serving {server.Url})", stdout, StringComparison.Ordinal);
        Assert.Contains($"the server at {server.Url}", stdout, StringComparison.Ordinal);
        Assert.Matches("(?m)^  ok +recovery ", stdout);

        // Break the server's database (a schema this binary does not know): the doctor relays its verdict.
        Execute(root, "INSERT INTO schema_version (version) SELECT MAX(version) + 1 FROM schema_version");
        (exit, stdout, _) = await Cli.RunAsync(["doctor", "--data-root", root]);
        Assert.Equal(1, exit);
        Assert.Matches("(?m)^  PROBLEM +database +the database schema is version [0-9]+, newer than this binary supports", stdout);
        Assert.Contains("remedy: run a newer artifactstore on this root", stdout, StringComparison.Ordinal);
        Assert.Contains("1 of ", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_root_of_another_profile_is_a_problem_with_the_profile_to_use()
    {
        using var temp = new TempDirectory();
        var root = await CreateRootAsync(temp, "prod");

        var (exit, stdout, _) = await Cli.RunAsync(["doctor", "--data-root", root, "--profile", "eval"]);
        Assert.Equal(1, exit);
        Assert.Contains("PROBLEM  marker       the marker of " + root + " says profile 'prod', but this process serves 'eval'", stdout, StringComparison.Ordinal);
        Assert.Contains("remedy: use --profile prod for this root", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_database_newer_than_the_binary_is_a_problem_with_its_remedy()
    {
        using var temp = new TempDirectory();
        var root = await CreateRootAsync(temp);
        Execute(root, "INSERT INTO schema_version (version) SELECT MAX(version) + 1 FROM schema_version");

        var (exit, stdout, _) = await Cli.RunAsync(["doctor", "--data-root", root]);
        Assert.Equal(1, exit);
        Assert.Matches("(?m)^  PROBLEM +database +the database schema is version [0-9]+, newer than this binary supports", stdout);
        Assert.Contains("remedy: run a newer artifactstore on this root", stdout, StringComparison.Ordinal);
        Assert.Matches("(?m)^  ok +marker ", stdout);
    }

    [Fact]
    public async Task a_stray_file_where_tmp_should_be_is_a_permissions_and_blob_store_problem()
    {
        using var temp = new TempDirectory();
        var root = await CreateRootAsync(temp);
        Directory.Delete(Path.Combine(root, "tmp"));
        await File.WriteAllTextAsync(Path.Combine(root, "tmp"), "not a directory");

        var (exit, stdout, _) = await Cli.RunAsync(["doctor", "--data-root", root]);
        Assert.Equal(1, exit);
        Assert.Contains($"PROBLEM  permissions  {Path.Combine(root, "tmp")} is a file, not a directory", stdout, StringComparison.Ordinal);
        Assert.Contains("remedy: move the stray file(s) out of the way and put the directories back", stdout, StringComparison.Ordinal);
        Assert.Matches("(?m)^  PROBLEM +blob_store ", stdout);
    }

    [Fact]
    public async Task a_missing_root_is_a_problem_not_a_new_root()
    {
        using var temp = new TempDirectory();
        var (exit, stdout, _) = await Cli.RunAsync(["doctor", "--data-root", temp.Combine("nowhere")]);
        Assert.Equal(1, exit);
        Assert.Contains($"there is no data root at {temp.Combine("nowhere")}", stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("nowhere")));
    }

    private static async Task<string> CreateRootAsync(TempDirectory temp, string profile = "dev")
    {
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root, profile: profile);
        Assert.Equal(0, await server.StopAsync());
        return root;
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
