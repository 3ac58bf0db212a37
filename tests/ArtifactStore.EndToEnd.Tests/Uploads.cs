using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>Upload-session calls for the tests (<c>/v1/uploads</c>), each returning what the server answered.</summary>
internal static class Uploads
{
    public static async Task<string> CreateAsync(HttpClient http)
    {
        using var response = await http.PostAsync("v1/uploads", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.Equal("0", response.Headers.GetValues("Upload-Offset").Single());
        return location;
    }

    /// <summary>PATCH one chunk; <paramref name="start"/> null sends no Content-Range.</summary>
    public static async Task<HttpResponseMessage> AppendAsync(HttpClient http, string location, long? start, ReadOnlyMemory<byte> chunk)
    {
        var content = new ReadOnlyMemoryContent(chunk);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (start is { } from)
        {
            content.Headers.ContentRange = new ContentRangeHeaderValue(from, from + chunk.Length - 1);
        }

        using var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = content };
        return await http.SendAsync(request);
    }

    public static async Task<long?> OffsetAsync(HttpClient http, string location)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, location);
        using var response = await http.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return long.Parse(response.Headers.GetValues("Upload-Offset").Single(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> FinishAsync(HttpClient http, string location, string digest)
    {
        using var response = await http.PutAsync($"{location}?digest={digest}", null);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    /// <summary>Where the embedded backend keeps a blob of this digest in a data root.</summary>
    public static string BlobPath(string root, string digest)
    {
        var hex = digest["sha256:".Length..];
        return Path.Combine(root, "blobs", "sha256", hex[..2], hex[2..4], hex);
    }

    /// <summary>Peak and current resident memory of a process (kB), from /proc.</summary>
    public static (long PeakKb, long CurrentKb) Memory(int pid)
    {
        var lines = File.ReadAllLines($"/proc/{pid}/status");
        long Read(string key) => long.Parse(lines.Single(l => l.StartsWith(key, StringComparison.Ordinal)).Split(':')[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        return (Read("VmHWM"), Read("VmRSS"));
    }
}
