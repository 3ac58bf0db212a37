using System.Net;

namespace ArtifactStore.EndToEnd.Tests;

public sealed class RootSafetyTests
{
    [Fact]
    public async Task a_second_process_on_the_same_root_is_refused_at_once_naming_the_holder()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var (exit, _, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("root"), "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(3, exit);
        Assert.Contains($"process {server.Pid}", stderr, StringComparison.Ordinal);
        Assert.Contains(server.Url, stderr, StringComparison.Ordinal);
        Assert.Contains("stop it first, or use its API", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_root_opened_with_another_profile_is_refused()
    {
        using var temp = new TempDirectory();
        await using (var server = await ServerProcess.StartAsync(temp.Combine("root"), profile: "prod"))
        {
            await server.StopAsync();
        }

        var (exit, _, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("root"), "--profile", "eval", "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(3, exit);
        Assert.Contains("belongs to profile 'prod'", stderr, StringComparison.Ordinal);
        Assert.Contains("start with --profile prod or choose another --data-root", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task nested_roots_are_refused_in_both_directions()
    {
        using var temp = new TempDirectory();
        await using (var server = await ServerProcess.StartAsync(temp.Combine("outer", "root")))
        {
            await server.StopAsync();
        }

        var inside = await Cli.RunAsync(["serve", "--data-root", temp.Combine("outer", "root", "jobs", "inner"), "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(3, inside.ExitCode);
        Assert.Contains($"is inside the data root {temp.Combine("outer", "root")}", inside.Stderr, StringComparison.Ordinal);
        Assert.Contains("roots may not be nested", inside.Stderr, StringComparison.Ordinal);
        Assert.Contains("Choose a --data-root outside it", inside.Stderr, StringComparison.Ordinal);

        var around = await Cli.RunAsync(["serve", "--data-root", temp.Combine("outer"), "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(3, around.ExitCode);
        Assert.Contains($"contains another data root at {temp.Combine("outer", "root")}", around.Stderr, StringComparison.Ordinal);
        Assert.Contains("Move that root out, or choose another --data-root", around.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_second_lane_on_a_served_root_is_refused_while_the_first_runs()
    {
        using var temp = new TempDirectory();
        await using var prod = await ServerProcess.StartAsync(temp.Combine("root"), profile: "prod");
        var (exit, _, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("root"), "--profile", "eval", "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(3, exit);
        Assert.Contains("belongs to profile 'prod', not 'eval'", stderr, StringComparison.Ordinal);
        await Readiness.AssertReadyAsync(prod);
    }

    [Fact]
    public async Task a_served_root_reached_through_a_symlink_is_refused_naming_the_holder_and_the_real_path()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        Directory.CreateSymbolicLink(temp.Combine("link"), temp.Combine("root"));
        var (exit, _, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("link"), "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(3, exit);
        Assert.Contains($"the data root {temp.Combine("root")} (named {temp.Combine("link")}) is in use by process {server.Pid}", stderr, StringComparison.Ordinal);
        Assert.Contains("stop it first, or use its API", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_served_root_reached_through_a_bind_mount_is_refused_as_the_same_directory()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        await using var mount = await SystemTools.BindMountAsync(temp.Combine("root"), temp.Combine("alias"));
        var (exit, _, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("alias"), "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(3, exit);
        Assert.Contains($"is in use by process {server.Pid} (serving {server.Url}) for profile 'dev', which opened it as {temp.Combine("root")}", stderr, StringComparison.Ordinal);
        Assert.Contains($"{temp.Combine("alias")} is the same directory reached through another path", stderr, StringComparison.Ordinal);
        Assert.Contains("stop it first", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_root_inside_a_root_is_refused_even_when_reached_through_a_bind_mount()
    {
        using var temp = new TempDirectory();
        await using (var server = await ServerProcess.StartAsync(temp.Combine("outer")))
        {
            Assert.Equal(0, await server.StopAsync());
        }

        // The path /…/alias/inner has no root above it; the mount table shows it is outer/jobs/inner.
        await using var mount = await SystemTools.BindMountAsync(temp.Combine("outer", "jobs"), temp.Combine("alias"));
        var (exit, _, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("alias", "inner"), "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(3, exit);
        Assert.Contains($"{temp.Combine("alias", "inner")} is inside the data root {temp.Combine("outer")}", stderr, StringComparison.Ordinal);
        Assert.Contains($"the same directory as {temp.Combine("outer", "jobs", "inner")}, through a bind mount", stderr, StringComparison.Ordinal);
        Assert.Contains("Choose a --data-root outside it", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_root_that_lost_its_marker_is_not_adopted_by_whichever_lane_opens_it_next()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using (var server = await ServerProcess.StartAsync(root, profile: "prod"))
        {
            Assert.Equal(HttpStatusCode.Created, (await Api.PostPackageAsync(server.Http, Api.Form("kept", Api.Files(("a.txt", [1]))))).Status);
            Assert.Equal(0, await server.StopAsync());
        }

        File.Delete(Path.Combine(root, "artifactstore-root.json"));
        var (exit, _, stderr) = await Cli.RunAsync(["serve", "--data-root", root, "--profile", "eval", "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(3, exit);
        Assert.Contains("holds store data (db/artifactstore.db) but has no marker", stderr, StringComparison.Ordinal);
        Assert.Contains("restore the marker (or the whole root) from a backup", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(root, "artifactstore-root.json")));
    }

    [Fact]
    public async Task the_default_root_depends_on_the_profile_so_two_lanes_never_share_one()
    {
        using var temp = new TempDirectory();
        var env = new Dictionary<string, string> { ["ARTIFACTSTORE_HOME"] = temp.Path };
        var prod = await Cli.RunAsync(["config", "show", "--profile", "prod"], env);
        var eval = await Cli.RunAsync(["config", "show", "--profile", "eval"], env);
        Assert.Contains($"DataRoot = {temp.Combine("prod")} ", prod.Stdout, StringComparison.Ordinal);
        Assert.Contains($"DataRoot = {temp.Combine("eval")} ", eval.Stdout, StringComparison.Ordinal);
    }
}
