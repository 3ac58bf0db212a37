using System.Net;
using System.Text;
using System.Text.Json;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>Jobs end to end over HTTP with real commands (docs/jobs.md).</summary>
public sealed class JobTests
{
    /// <summary>A configuration file with the given job types (name → settings) and extra top-level sections.</summary>
    internal static string Config(TempDirectory temp, Dictionary<string, object> types, int slots = 2, Dictionary<string, object>? extra = null)
    {
        var document = new Dictionary<string, object>
        {
            ["Jobs"] = new Dictionary<string, object> { ["Slots"] = slots, ["KillGracePeriod"] = "00:00:01", ["LeaseDuration"] = "00:00:03", ["Types"] = types },
        };
        foreach (var (key, value) in extra ?? [])
        {
            document[key] = value;
        }

        return StoreFiles.Config(temp, JsonSerializer.Serialize(document));
    }

    internal static object Sh(string script, Dictionary<string, object>? settings = null)
    {
        var type = new Dictionary<string, object> { ["Command"] = new[] { "sh", "-c", script } };
        foreach (var (key, value) in settings ?? [])
        {
            type[key] = value;
        }

        return type;
    }

    [Fact]
    public async Task a_command_job_succeeds_and_its_output_and_log_are_readable()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var config = Config(temp, new()
        {
            // Placeholders in the argv: $1 is the job id, $2 the output directory.
            ["upper"] = new Dictionary<string, object>
            {
                ["Command"] = new[] { "sh", "-c", """tr a-z A-Z < "$ARTIFACTSTORE_INPUT" > "$ARTIFACTSTORE_OUTPUT_DIR/upper.txt"; mkdir "$2/sub"; echo "$1" > "$2/sub/id.txt"; echo converted; echo warning >&2""", "sh", "{job_id}", "{output_dir}" },
            },
        });
        await using var server = await ServerProcess.StartAsync(root, config);

        var id = await JobApi.SubmitOkAsync(server.Http, "upper", Encoding.UTF8.GetBytes("hello jobs\n"), "letter.txt");
        var job = await JobApi.WaitAsync(server.Http, id);

        Assert.Equal("succeeded", JobApi.State(job));
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        var output = job.GetProperty("output_package_id").GetString()!;
        Assert.Equal("HELLO JOBS\n", Encoding.UTF8.GetString(await Api.DownloadAsync(server.Http, output, "artifacts/upper.txt")));
        Assert.Equal(id + "\n", Encoding.UTF8.GetString(await Api.DownloadAsync(server.Http, output, "artifacts/sub/id.txt")));
        var log = await JobApi.LogAsync(server.Http, id);
        Assert.Contains("converted", log, StringComparison.Ordinal);
        Assert.Contains("warning", log, StringComparison.Ordinal);
        Assert.Equal(log, Encoding.UTF8.GetString(await Api.DownloadAsync(server.Http, output, "logs/run.log")));

        // The input keeps its uploaded name and the input class; the output and the job follow the output class.
        var (_, input) = await Api.GetJsonAsync(server.Http, $"v1/packages/{job.GetProperty("input_package_id").GetString()}");
        Assert.Equal("letter.txt", input.GetProperty("files")[0].GetProperty("path").GetString());
        Assert.Equal("ephemeral", input.GetProperty("retention_class").GetString());
        var (_, outputPackage) = await Api.GetJsonAsync(server.Http, $"v1/packages/{output}");
        Assert.Equal("standard", outputPackage.GetProperty("retention_class").GetString());
        Assert.Equal(id, outputPackage.GetProperty("labels").GetProperty("job_id").GetString());
        JobApi.AssertNoJobDirectories(root);

        var (listed, list) = await Api.GetJsonAsync(server.Http, "v1/jobs?state=succeeded&type=upper");
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Equal(id, list.GetProperty("items")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task a_failing_command_is_retried_after_its_backoff_and_then_fails_with_its_exit_code_and_log_tail()
    {
        using var temp = new TempDirectory();
        var config = Config(temp, new()
        {
            ["fail"] = Sh("echo attempt-$ARTIFACTSTORE_JOB_ATTEMPT-says-no >&2; exit 3", new() { ["MaxAttempts"] = 3, ["Backoff"] = "00:00:01" }),
        });
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"), config);

        var id = await JobApi.SubmitOkAsync(server.Http, "fail", [1, 2, 3]);
        var job = await JobApi.WaitAsync(server.Http, id, TimeSpan.FromSeconds(60));

        Assert.Equal("failed", JobApi.State(job));
        Assert.Equal(3, job.GetProperty("attempts").GetInt32());
        Assert.Equal(3, job.GetProperty("exit_code").GetInt32());
        Assert.Equal("exit_code", job.GetProperty("error").GetProperty("code").GetString());
        var message = job.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("code 3", message, StringComparison.Ordinal);
        Assert.Contains("attempt-3-says-no", message, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, job.GetProperty("output_package_id").ValueKind);

        // The log (kept as the job's log package) shows each attempt, spaced by the doubling backoff: ≥ 1 s, then ≥ 2 s.
        var log = await JobApi.LogAsync(server.Http, id);
        var starts = log.Split('\n').Where(l => l.StartsWith("== attempt ", StringComparison.Ordinal) && l.Contains(" of ", StringComparison.Ordinal))
            .Select(l => DateTimeOffset.Parse(l.Split(", ")[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(3, starts.Count);
        Assert.True(starts[1] - starts[0] >= TimeSpan.FromSeconds(1), $"second attempt after {starts[1] - starts[0]}");
        Assert.True(starts[2] - starts[1] >= TimeSpan.FromSeconds(2), $"third attempt after {starts[2] - starts[1]}");
    }

    [Fact]
    public async Task a_job_running_past_its_timeout_is_killed_with_everything_it_started()
    {
        using var temp = new TempDirectory();
        var pids = temp.Combine("pids");
        var config = Config(temp, new()
        {
            ["slow"] = Sh($"echo $$ >> {pids}; sleep 60 & echo $! >> {pids}; wait", new() { ["Timeout"] = "00:00:01", ["MaxAttempts"] = 1 }),
        });
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"), config);

        var id = await JobApi.SubmitOkAsync(server.Http, "slow", [1]);
        var job = await JobApi.WaitAsync(server.Http, id, TimeSpan.FromSeconds(30));

        Assert.Equal("failed", JobApi.State(job));
        Assert.Equal("timeout", job.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(2, JobApi.Pids(pids).Count);
        await JobApi.AssertAllGoneAsync(JobApi.Pids(pids));
    }

    [Fact]
    public async Task cancel_ends_a_queued_job_at_once_and_a_running_one_after_killing_its_process_tree()
    {
        using var temp = new TempDirectory();
        var pids = temp.Combine("pids");
        // The command ignores SIGTERM, so only the KILL after the grace period ends it.
        var config = Config(temp, new()
        {
            ["stubborn"] = Sh($"trap '' TERM; echo $$ >> {pids}; sleep 120 & echo $! >> {pids}; while true; do sleep 1; done"),
        }, slots: 1);
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"), config);

        var running = await JobApi.SubmitOkAsync(server.Http, "stubborn", [1]);
        await JobApi.WaitAsync(server.Http, running, null, "running");
        var queued = await JobApi.SubmitOkAsync(server.Http, "stubborn", [2]);
        Assert.Equal("queued", JobApi.State(await JobApi.GetAsync(server.Http, queued)));

        var (status, canceledQueued) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/jobs/{queued}/cancel");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("canceled", JobApi.State(canceledQueued));

        for (var i = 0; i < 100 && JobApi.Pids(pids).Count < 2; i++)
        {
            await Task.Delay(50);
        }

        var started = JobApi.Pids(pids);
        Assert.Equal(2, started.Count);
        Assert.All(started, pid => Assert.True(JobApi.IsAlive(pid)));
        var (runningStatus, canceledRunning) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/jobs/{running}/cancel");
        Assert.Equal(HttpStatusCode.OK, runningStatus);
        Assert.Equal("canceled", JobApi.State(canceledRunning));
        await JobApi.AssertAllGoneAsync(started);

        var (again, problem) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/jobs/{running}/cancel");
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Equal("job_finished", problem.GetProperty("code").GetString());
        Assert.Equal(2, JobApi.Pids(pids).Count); // the queued job never started
    }

    [Fact]
    public async Task bad_submissions_get_clear_errors()
    {
        using var temp = new TempDirectory();
        var config = Config(temp, new() { ["noop"] = Sh("true") });
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"), config);

        var (unknown, unknownBody) = await JobApi.SubmitAsync(server.Http, "nope", [1]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown);
        Assert.Equal("job_type_unknown", unknownBody.GetProperty("code").GetString());

        var (badOptions, badOptionsBody) = await JobApi.SubmitAsync(server.Http, "noop", [1], options: "[1, 2]");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badOptions);
        Assert.Equal("validation_failed", badOptionsBody.GetProperty("code").GetString());

        var (missing, missingBody) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/jobs", json: new { type = "noop", input_package_id = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal("package_not_found", missingBody.GetProperty("code").GetString());

        var (notFound, notFoundBody) = await Api.GetJsonAsync(server.Http, $"v1/jobs/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, notFound);
        Assert.Equal("job_not_found", notFoundBody.GetProperty("code").GetString());
        Assert.Equal(0, StoreFiles.Scalar(temp.Combine("root"), "SELECT COUNT(*) FROM jobs"));

        // An existing package can be the input (JSON submission), with options passed through to the command.
        var (_, package) = await Api.PostPackageAsync(server.Http, Api.Form("inputs/one", Api.Files(("data.bin", new byte[] { 7 }))));
        var (accepted, job) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/jobs",
            json: new { type = "noop", options = new { b = 2, a = 1 }, input_package_id = package.GetProperty("id").GetString() });
        Assert.Equal(HttpStatusCode.Accepted, accepted);
        Assert.Equal("""{"a":1,"b":2}""", job.GetProperty("options").GetRawText());
        Assert.Equal("succeeded", JobApi.State(await JobApi.WaitAsync(server.Http, job.GetProperty("id").GetString()!)));
    }

    [Fact]
    public async Task invalid_job_configuration_stops_start_up_with_every_problem_listed()
    {
        using var temp = new TempDirectory();
        var config = StoreFiles.Config(temp, """
            { "Jobs": { "Types": {
                "a": { "Command": "pdftotext in out" },
                "b": { "Command": ["true"], "InputClass": "no-such-class", "MaxAttempts": 0 },
                "c": { "Timeout": "00:00:05" }
            } } }
            """);
        var (exit, _, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("root"), "--config", config, "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(2, exit);
        Assert.Contains("Jobs:Types:a:Command: must be an array", stderr, StringComparison.Ordinal);
        Assert.Contains("Jobs:Types:b:InputClass", stderr, StringComparison.Ordinal);
        Assert.Contains("Jobs:Types:b:MaxAttempts", stderr, StringComparison.Ordinal);
        Assert.Contains("Jobs:Types:c:Command", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("root")));
    }
}
