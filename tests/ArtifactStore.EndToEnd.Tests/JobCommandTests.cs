using System.Text.Json;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>The <c>artifactstore jobs</c> client commands against a real server.</summary>
public sealed class JobCommandTests
{
    [Fact]
    public async Task jobs_submit_wait_logs_and_get_work_against_the_server_holding_the_root()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var config = JobTests.Config(temp, new()
        {
            ["count"] = JobTests.Sh("wc -c < \"$ARTIFACTSTORE_INPUT\" > \"$ARTIFACTSTORE_OUTPUT_DIR/count.txt\"; echo counted"),
        });
        await using var server = await ServerProcess.StartAsync(root, config);
        var input = temp.Combine("input.bin");
        await File.WriteAllBytesAsync(input, new byte[12345]);

        // No --server: the commands find the server through the root's lock file.
        var (submitExit, submitted, submitErrors) = await Cli.RunAsync(["jobs", "submit", "--data-root", root, "--type", "count", "--input", input, "--wait"]);
        Assert.True(submitExit == 0, submitErrors);
        Assert.Contains("uploading input.bin", submitErrors, StringComparison.Ordinal);
        Assert.Contains("succeeded", submitErrors, StringComparison.Ordinal);
        var lastJson = submitted[submitted.LastIndexOf("{\n", StringComparison.Ordinal)..];
        using var job = JsonDocument.Parse(lastJson);
        var id = job.RootElement.GetProperty("id").GetString()!;
        Assert.Equal("succeeded", job.RootElement.GetProperty("state").GetString());

        var (logsExit, log, _) = await Cli.RunAsync(["jobs", "logs", id, "--server", server.Url]);
        Assert.Equal(0, logsExit);
        Assert.Contains("counted", log, StringComparison.Ordinal);
        var output = job.RootElement.GetProperty("output_package_id").GetString()!;
        Assert.Equal("12345", System.Text.Encoding.UTF8.GetString(await Api.DownloadAsync(server.Http, output, "artifacts/count.txt")).Trim());

        var (getExit, got, _) = await Cli.RunAsync(["jobs", "get", id, "--server", server.Url]);
        Assert.Equal(0, getExit);
        Assert.Contains(id, got, StringComparison.Ordinal);

        var (cancelExit, _, cancelErrors) = await Cli.RunAsync(["jobs", "cancel", id, "--server", server.Url]);
        Assert.Equal(1, cancelExit);
        Assert.Contains("job_finished", cancelErrors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task jobs_commands_without_a_server_say_so_and_never_create_a_root()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("nothing-here");
        var (exit, _, stderr) = await Cli.RunAsync(["jobs", "get", Guid.NewGuid().ToString(), "--data-root", root]);
        Assert.Equal(3, exit);
        Assert.Contains("no server is running on the data root", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(root));
    }

    [Fact]
    public async Task jobs_list_shows_the_job_and_jobs_output_downloads_its_verified_output()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var config = JobTests.Config(temp, new()
        {
            ["count"] = JobTests.Sh("wc -c < \"$ARTIFACTSTORE_INPUT\" > \"$ARTIFACTSTORE_OUTPUT_DIR/count.txt\""),
        });
        await using var server = await ServerProcess.StartAsync(root, config);
        var input = temp.Combine("input.bin");
        await File.WriteAllBytesAsync(input, new byte[4321]);
        var (submitExit, submitted, submitErrors) = await Cli.RunAsync(["jobs", "submit", "--type", "count", "--input", input, "--wait", "--server", server.Url]);
        Assert.True(submitExit == 0, submitErrors);
        var id = JsonDocument.Parse(submitted[submitted.LastIndexOf("{\n", StringComparison.Ordinal)..]).RootElement.GetProperty("id").GetString()!;

        var (listExit, list, listErrors) = await Cli.RunAsync(["jobs", "list", "--state", "succeeded", "--server", server.Url]);
        Assert.True(listExit == 0, listErrors);
        var lines = list.TrimEnd('\n').Split('\n');
        Assert.StartsWith("ID ", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith(id, StringComparison.Ordinal) && l.Contains(" succeeded ", StringComparison.Ordinal));
        var (queuedExit, queued, _) = await Cli.RunAsync(["jobs", "list", "--state", "queued", "--json", "--server", server.Url]);
        Assert.Equal(0, queuedExit);
        Assert.Empty(JsonDocument.Parse(queued).RootElement.GetProperty("items").EnumerateArray());

        var target = temp.Combine("output");
        var (outputExit, _, outputErrors) = await Cli.RunAsync(["jobs", "output", id, "--out", target, "--server", server.Url]);
        Assert.True(outputExit == 0, outputErrors);
        Assert.Equal("4321", (await File.ReadAllTextAsync(Path.Combine(target, "artifacts", "count.txt"))).Trim());
    }
}
