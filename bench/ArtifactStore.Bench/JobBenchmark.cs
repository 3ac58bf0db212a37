using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ArtifactStore.Bench;

/// <summary>
/// No-op jobs per second, from submission to <c>succeeded</c>, with 1 slot and with N slots, against a real
/// server. The baseline in the same run is starting the same no-op command directly, one after another:
/// the ratio shows what the store adds per job (leasing, working directory, output package, events).
/// </summary>
internal static class JobBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        var slots = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : Environment.ProcessorCount;

        var direct = Stopwatch.StartNew();
        for (var i = 0; i < jobs; i++)
        {
            using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
            await process.WaitForExitAsync();
        }

        var directPerSecond = jobs / direct.Elapsed.TotalSeconds;
        Console.WriteLine($"baseline: {jobs} direct starts of 'true', one at a time: {directPerSecond:F1}/s");

        var one = await RunServerAsync(jobs, 1);
        var many = await RunServerAsync(jobs, slots);
        Console.WriteLine($"jobs, 1 slot:  {one:F1} jobs/s ({one / directPerSecond:F2}x the baseline)");
        Console.WriteLine($"jobs, {slots} slots: {many:F1} jobs/s ({many / directPerSecond:F2}x the baseline, {many / one:F2}x one slot)");
        return 0;
    }

    private static async Task<double> RunServerAsync(int jobs, int slots)
    {
        var directory = Path.Combine(Path.GetTempPath(), "as-bench-jobs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "config.json");
        await File.WriteAllTextAsync(config, Config(slots));
        try
        {
            using var server = BenchServer.Start(Path.Combine(directory, "root"), "--config", config);
            using var http = new HttpClient { BaseAddress = new Uri(server.Url + "/") };
            return await RunJobsAsync([http], jobs);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The server configuration: one job type, <c>noop</c>, running <c>true</c>, in <paramref name="slots"/> slots.</summary>
    internal static string Config(int slots) =>
        $$"""{ "Jobs": { "Slots": {{slots}}, "PollInterval": "00:00:00.050", "Types": { "noop": { "Command": ["true"] } } } }""";

    /// <summary>
    /// Submits <paramref name="jobs"/> no-op jobs one after another, the n-th to server n mod count (replicas of
    /// one store), then waits until each has succeeded, asking the server that took it; returns jobs/s.
    /// </summary>
    internal static async Task<double> RunJobsAsync(IReadOnlyList<HttpClient> servers, int jobs)
    {
        var clock = Stopwatch.StartNew();
        var ids = new List<(HttpClient Http, string Id)>();
        for (var i = 0; i < jobs; i++)
        {
            var http = servers[i % servers.Count];
            using var form = new MultipartFormDataContent();
            form.Add(new StringContent("noop"), "type");
            var part = new ByteArrayContent([(byte)i]);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "input", "in.bin");
            using var response = await http.PostAsync("v1/jobs", form);
            response.EnsureSuccessStatusCode();
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            ids.Add((http, body.RootElement.GetProperty("id").GetString()!));
        }

        foreach (var (http, id) in ids)
        {
            while (true)
            {
                using var body = JsonDocument.Parse(await http.GetStringAsync($"v1/jobs/{id}"));
                var state = body.RootElement.GetProperty("state").GetString();
                if (state == "succeeded")
                {
                    break;
                }

                if (state is "failed" or "canceled")
                {
                    throw new InvalidOperationException($"job {id} ended {state}");
                }

                await Task.Delay(10);
            }
        }

        return jobs / clock.Elapsed.TotalSeconds;
    }
}
