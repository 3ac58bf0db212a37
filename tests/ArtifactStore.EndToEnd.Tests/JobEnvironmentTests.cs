using System.Text;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// What a job's command finds in its environment (docs/jobs.md, "Environment"), on a real server
/// started with a secret in its own environment: only the documented set and the variables the job
/// type passes by name.
/// </summary>
public sealed class JobEnvironmentTests
{
    [Fact]
    public async Task a_command_gets_the_documented_variables_and_those_its_type_passes_but_not_the_servers_secrets()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var config = JobTests.Config(temp, new()
        {
            ["env"] = JobTests.Sh("""env > "$ARTIFACTSTORE_OUTPUT_DIR/env.txt"; touch "$HOME/home-ok" "$TMPDIR/tmp-ok" """,
                new() { ["PassEnvironment"] = new[] { "PDFTOTEXT_OPTS", "NOT_SET_ANYWHERE" } }),
        });
        var environment = new Dictionary<string, string>
        {
            ["DATABASE_PASSWORD"] = "hunter2",
            ["AWS_SECRET_ACCESS_KEY"] = "also-secret",
            ["PDFTOTEXT_OPTS"] = "-layout",
            ["LANG"] = "C.UTF-8",
            ["TZ"] = "Europe/Berlin",
        };
        await using var server = await ServerProcess.StartAsync(root, config, environment);

        var id = await JobApi.SubmitOkAsync(server.Http, "env", [1]);
        var job = await JobApi.WaitAsync(server.Http, id, TimeSpan.FromSeconds(30));
        Assert.Equal("succeeded", JobApi.State(job));
        var text = Encoding.UTF8.GetString(await Api.DownloadAsync(server.Http, job.GetProperty("output_package_id").GetString()!, "artifacts/env.txt"));
        var variables = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : string.Empty, StringComparer.Ordinal);

        Assert.DoesNotContain("DATABASE_PASSWORD", variables.Keys);
        Assert.DoesNotContain("AWS_SECRET_ACCESS_KEY", variables.Keys);
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.Equal("-layout", variables["PDFTOTEXT_OPTS"]);
        Assert.DoesNotContain("NOT_SET_ANYWHERE", variables.Keys);
        Assert.Equal("C.UTF-8", variables["LANG"]);
        Assert.Equal("Europe/Berlin", variables["TZ"]);
        Assert.False(string.IsNullOrEmpty(variables["PATH"]));
        var jobDirectory = Path.Combine(root, "jobs", id);
        Assert.Equal(Path.Combine(jobDirectory, "home"), variables["HOME"]);
        Assert.Equal(Path.Combine(jobDirectory, "tmp"), variables["TMPDIR"]);
        Assert.Equal(id, variables["ARTIFACTSTORE_JOB_ID"]);
        Assert.Equal("env", variables["ARTIFACTSTORE_JOB_TYPE"]);
        Assert.Equal("1", variables["ARTIFACTSTORE_JOB_ATTEMPT"]);
        Assert.Equal("{}", variables["ARTIFACTSTORE_OPTIONS"]);
        Assert.Equal(Path.Combine(jobDirectory, "artifacts"), variables["ARTIFACTSTORE_OUTPUT_DIR"]);
        Assert.StartsWith(Path.Combine(jobDirectory, "raw", "input"), variables["ARTIFACTSTORE_INPUT"], StringComparison.Ordinal);

        // Nothing beyond the documented set (the shell adds PWD, SHLVL and _ itself).
        string[] documented = ["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ", "PDFTOTEXT_OPTS", "PWD", "SHLVL", "_", "OLDPWD"];
        Assert.All(variables.Keys, name => Assert.True(
            documented.Contains(name, StringComparer.Ordinal) || name.StartsWith("ARTIFACTSTORE_", StringComparison.Ordinal) && name != "ARTIFACTSTORE_TOKEN",
            $"the command got {name}, which is not in the documented set"));

        // The scratch directories are gone with the working directory.
        JobApi.AssertNoJobDirectories(root);
    }

    [Fact]
    public async Task passing_a_store_variable_or_a_malformed_name_stops_start_up()
    {
        using var temp = new TempDirectory();
        var config = JobTests.Config(temp, new()
        {
            ["leaky"] = JobTests.Sh("true", new() { ["PassEnvironment"] = new[] { "ARTIFACTSTORE_TOKEN", "BAD-NAME" } }),
        });

        var (exit, _, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("root"), "--config", config, "--urls", "http://127.0.0.1:0"]);

        Assert.Equal(2, exit);
        Assert.Contains("Jobs:Types:leaky:PassEnvironment: 'ARTIFACTSTORE_TOKEN' cannot be passed", stderr, StringComparison.Ordinal);
        Assert.Contains("Jobs:Types:leaky:PassEnvironment: 'BAD-NAME' is not an environment variable name", stderr, StringComparison.Ordinal);
    }
}
