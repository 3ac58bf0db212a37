using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>Submitting and following jobs over HTTP, for the job tests.</summary>
internal static class JobApi
{
    public static async Task<(HttpStatusCode Status, JsonElement Body)> SubmitAsync(
        HttpClient http, string type, byte[] input, string fileName = "input.txt", string? options = null, string? idempotencyKey = null)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(type), "type");
        if (options is not null)
        {
            form.Add(new StringContent(options), "options");
        }

        var part = new ByteArrayContent(input);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "input", fileName);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/jobs") { Content = form };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task<string> SubmitOkAsync(HttpClient http, string type, byte[] input, string fileName = "input.txt")
    {
        var (status, body) = await SubmitAsync(http, type, input, fileName);
        Assert.True(status == HttpStatusCode.Accepted, $"submit answered {(int)status}: {body}");
        return body.GetProperty("id").GetString()!;
    }

    public static async Task<JsonElement> GetAsync(HttpClient http, string id)
    {
        var (status, body) = await Api.GetJsonAsync(http, $"v1/jobs/{id}");
        Assert.True(status == HttpStatusCode.OK, $"GET job answered {(int)status}: {body}");
        return body;
    }

    public static string State(JsonElement job) => job.GetProperty("state").GetString()!;

    /// <summary>Polls until the job is in one of <paramref name="states"/> (default: any finished state).</summary>
    public static async Task<JsonElement> WaitAsync(HttpClient http, string id, TimeSpan? timeout = null, params string[] states)
    {
        states = states.Length > 0 ? states : ["succeeded", "failed", "canceled"];
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var job = await GetAsync(http, id);
            if (states.Contains(State(job)))
            {
                return job;
            }

            Assert.True(DateTime.UtcNow < deadline, $"job {id} is still {State(job)}, expected {string.Join("|", states)}");
            await Task.Delay(100);
        }
    }

    public static async Task<string> LogAsync(HttpClient http, string id) =>
        await http.GetStringAsync($"v1/jobs/{id}/logs");

    /// <summary>Pids listed one per line in a file a test command wrote; empty when it does not exist.</summary>
    public static IReadOnlyList<int> Pids(string file) =>
        File.Exists(file)
            ? File.ReadAllLines(file).Where(l => l.Trim().Length > 0).Select(l => int.Parse(l.Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToList()
            : [];

    /// <summary>Whether a process is alive (a zombie awaiting its parent counts as gone).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static async Task AssertAllGoneAsync(IEnumerable<int> pids)
    {
        var list = pids.ToList();
        for (var i = 0; i < 100 && list.Any(IsAlive); i++)
        {
            await Task.Delay(50);
        }

        Assert.DoesNotContain(list, IsAlive);
    }

    /// <summary>
    /// No job has a working directory left: <c>jobs/</c> holds at most spare directories kept for later jobs
    /// (docs/jobs.md, "The worker pool"), each holding only its five directories, all of them empty.
    /// </summary>
    public static void AssertNoJobDirectories(string root)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(Path.Combine(root, "jobs")))
        {
            Assert.StartsWith(".spare-", Path.GetFileName(entry), StringComparison.Ordinal);
            AssertEmptySpare(entry);
        }
    }

    /// <summary>A spare directory: <c>artifacts</c>, <c>home</c>, <c>logs</c>, <c>raw</c> and <c>tmp</c>, each a real, empty directory, and nothing else.</summary>
    public static void AssertEmptySpare(string spare)
    {
        var everything = new EnumerationOptions { AttributesToSkip = 0 };
        Assert.Equal(["artifacts", "home", "logs", "raw", "tmp"],
            Directory.EnumerateFileSystemEntries(spare, "*", everything).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var directory in Directory.EnumerateFileSystemEntries(spare, "*", everything))
        {
            Assert.False(new DirectoryInfo(directory).Attributes.HasFlag(FileAttributes.ReparsePoint), $"{directory} is a link");
            Assert.Empty(Directory.EnumerateFileSystemEntries(directory, "*", everything));
        }
    }
}
