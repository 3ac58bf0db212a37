using System.Net;
using System.Text.Json;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// A job type whose command cannot be found is a readiness failure at start, with a remedy (docs/jobs.md),
/// instead of a job that fails three attempts with exit code 127.
/// </summary>
public sealed class JobCommandReadinessTests
{
    [Fact]
    public async Task a_job_type_whose_command_is_missing_keeps_the_store_unready_and_says_what_to_install()
    {
        using var temp = new TempDirectory();
        var config = JobTests.Config(temp, new()
        {
            ["ok"] = new Dictionary<string, object> { ["Command"] = new[] { "true" } },
            ["pdf-to-text"] = new Dictionary<string, object> { ["Command"] = new[] { "pdftotext", "{input}", "{output_dir}/text.txt" } },
        });
        // A PATH without pdftotext, whether or not this machine has it.
        var path = temp.Combine("bin");
        Directory.CreateDirectory(path);
        File.CreateSymbolicLink(Path.Combine(path, "true"), "/bin/true");
        await using var server = await ServerProcess.StartListeningAsync(temp.Combine("root"), config, new Dictionary<string, string> { ["PATH"] = path + ":" + Path.GetDirectoryName(Environment.ProcessPath) });

        JsonElement ready = default;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline;)
        {
            var (_, body) = await Api.GetJsonAsync(server.Http, "health/ready");
            ready = body;
            if (body.GetProperty("checks").GetProperty("recovery").GetString() != "startup recovery has not finished yet" &&
                body.GetProperty("checks").TryGetProperty("job_commands", out _))
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal("not_ready", ready.GetProperty("status").GetString());
        var problem = ready.GetProperty("checks").GetProperty("job_commands").GetString()!;
        Assert.Contains("'pdf-to-text'", problem, StringComparison.Ordinal);
        Assert.Contains("'pdftotext'", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("'ok'", problem, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y poppler-utils", ready.GetProperty("remedies").GetProperty("job_commands").GetString(), StringComparison.Ordinal);

        // Nothing runs the missing command: a submission is refused as not ready, not queued to fail with exit 127.
        var (status, refused) = await JobApi.SubmitAsync(server.Http, "pdf-to-text", "%PDF"u8.ToArray(), "a.pdf");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("not_ready", refused.GetProperty("code").GetString());
        Assert.Contains("job_commands", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
