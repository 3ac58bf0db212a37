using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// Prometheus metrics at <c>/metrics</c> on a real server (docs/metrics.md): the text parses as the Prometheus
/// exposition format, and the counters move when uploads, downloads, jobs, a sweep and a GC happen.
/// </summary>
public sealed partial class MetricsTests
{
    private const string RetentionConfig = """
        "Retention": { "Classes": { "flash": { "Duration": "00:00:01" } }, "SweepInterval": "1.00:00:00" },
        "Gc": { "BlobGracePeriod": "00:00:00", "Interval": "1.00:00:00" }
        """;

    [Fact]
    public async Task the_metrics_parse_as_prometheus_text_and_move_with_uploads_jobs_and_gc()
    {
        using var temp = new TempDirectory();
        var config = StoreFiles.Config(temp, "{ " + RetentionConfig + """
            , "Jobs": { "Types": { "noop": { "Command": ["sh", "-c", "echo ok > \"$ARTIFACTSTORE_OUTPUT_DIR/ok.txt\""] } } } }
            """);
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"), config);
        var before = await ScrapeAsync(server.Http);

        var content = new byte[70_000];
        Random.Shared.NextBytes(content);
        using (var form = Api.Form("metrics/flash", Api.Files(("data.bin", content)), "retention_class", "flash"))
        {
            var (status, package) = await Api.PostPackageAsync(server.Http, form);
            Assert.Equal(HttpStatusCode.Created, status);
            Assert.Equal(content, await Api.DownloadAsync(server.Http, package.GetProperty("id").GetString()!, "data.bin"));
        }

        var job = await JobApi.WaitAsync(server.Http, await JobApi.SubmitOkAsync(server.Http, "noop", "x"u8.ToArray()));
        Assert.Equal("succeeded", JobApi.State(job));

        await Task.Delay(1_500); // the flash package expires
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/retention/sweep")).Status);
        var (gcStatus, gc) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/gc");
        Assert.Equal(HttpStatusCode.OK, gcStatus);
        Assert.Equal(1, gc.GetProperty("packages_deleted").GetArrayLength());
        var freed = gc.GetProperty("bytes_freed").GetInt64();
        Assert.True(freed >= content.Length, $"GC freed {freed} bytes");

        var after = await ScrapeAsync(server.Http);
        Assert.True(Delta(before, after, "artifactstore_uploaded_bytes_total") >= content.Length + 1);
        Assert.True(Delta(before, after, "artifactstore_downloaded_bytes_total") >= content.Length);
        Assert.Equal(1, Delta(before, after, "artifactstore_jobs_finished_total{state=\"succeeded\"}"));
        Assert.True(after["artifactstore_jobs{state=\"succeeded\"}"] >= 1);
        Assert.Equal(0, after["artifactstore_job_queue_depth"]);
        Assert.Equal(1, Delta(before, after, "artifactstore_gc_packages_deleted_total"));
        Assert.Equal(freed, Delta(before, after, "artifactstore_gc_freed_bytes_total"));
        Assert.Equal(1, Delta(before, after, "artifactstore_gc_duration_seconds_count{dry_run=\"false\"}"));
        Assert.Equal(1, Delta(before, after, "artifactstore_retention_sweep_duration_seconds_count{dry_run=\"false\"}"));
        Assert.True(Delta(before, after, "artifactstore_group_commit_batch_size_count") >= 3);
        Assert.True(Delta(before, after, "artifactstore_group_commit_duration_seconds_count") >= 3);
        Assert.True(Delta(before, after, "artifactstore_fsync_duration_seconds_count{kind=\"file\"}") >= 1);
        Assert.True(Delta(before, after, "artifactstore_http_requests_total{method=\"POST\",route=\"/v1/packages\",status=\"201\"}") >= 1);
        Assert.True(Delta(before, after, "artifactstore_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/packages\",status=\"201\"}") >= 1);
        Assert.Equal(1, after["artifactstore_ready"]);
        Assert.Equal(1, after["artifactstore_readiness_check{check=\"database\"}"]);
        Assert.Equal(1, after["artifactstore_readiness_check{check=\"job_commands\"}"]);
    }

    [Fact]
    public async Task reading_the_metrics_needs_the_reader_role_once_tokens_exist_unless_allowed_anonymously()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using (var server = await ServerProcess.StartAsync(root))
        {
            var admin = (await TokenCli.CreateAsync(root, "admin", "admin", null))!;
            using var anonymous = await server.Http.GetAsync("metrics");
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            using var request = new HttpRequestMessage(HttpMethod.Get, "metrics");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
            using var authorized = await server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        }

        await using var open = await ServerProcess.StartAsync(root, StoreFiles.Config(temp, """{ "Metrics": { "AllowAnonymous": true } }"""));
        using var scraped = await open.Http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        Assert.Contains("artifactstore_ready 1", await scraped.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static double Delta(Dictionary<string, double> before, Dictionary<string, double> after, string series)
    {
        Assert.True(after.ContainsKey(series), $"the scrape has no series {series}");
        return after[series] - before.GetValueOrDefault(series);
    }

    /// <summary>
    /// Fetches /metrics and parses it strictly as the Prometheus text format (version 0.0.4): every line is a
    /// HELP or TYPE comment or a sample; every sample belongs to a family declared by TYPE; values are numbers.
    /// Returns each series (name with its labels as written) and its value.
    /// </summary>
    internal static async Task<Dictionary<string, double>> ScrapeAsync(HttpClient http)
    {
        using var response = await http.GetAsync("metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/metrics answered {(int)response.StatusCode}: {text}");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);

        var families = new Dictionary<string, string>(StringComparer.Ordinal);
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                var comment = Comment().Match(line);
                Assert.True(comment.Success, $"not a HELP or TYPE line: {line}");
                if (comment.Groups["kind"].Value == "TYPE")
                {
                    Assert.Contains(comment.Groups["rest"].Value, new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                    families[comment.Groups["name"].Value] = comment.Groups["rest"].Value;
                }

                continue;
            }

            var sample = Sample().Match(line);
            Assert.True(sample.Success, $"not a sample line: {line}");
            var name = sample.Groups["name"].Value;
            var family = families.Keys.FirstOrDefault(f => name == f || (families[f] is "histogram" or "summary" && name.StartsWith(f + "_", StringComparison.Ordinal)));
            Assert.True(family is not null, $"the sample {name} has no TYPE line before it");
            var value = sample.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var number => double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            series[name + sample.Groups["labels"].Value] = value;
        }

        Assert.Contains("artifactstore_http_requests_total", families.Keys);
        Assert.Contains("artifactstore_ready", families.Keys);
        return series;
    }

    [GeneratedRegex("""^# (?<kind>HELP|TYPE) (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) ?(?<rest>.*)$""")]
    private static partial Regex Comment();

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*,?)?\})? (?<value>[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|[-+]?Inf|NaN)( -?\d+)?$""")]
    private static partial Regex Sample();
}
