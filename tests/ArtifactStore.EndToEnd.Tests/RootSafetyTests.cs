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
        Assert.Contains("roots may not be nested", inside.Stderr, StringComparison.Ordinal);

        var around = await Cli.RunAsync(["serve", "--data-root", temp.Combine("outer"), "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(3, around.ExitCode);
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
