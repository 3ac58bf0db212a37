using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Time;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>Small HTTP helpers shared by the end-to-end tests.</summary>
internal static class Api
{
    public static MultipartFormDataContent Form(string? name, IEnumerable<(string Path, HttpContent Content)> files, params string[] fields)
    {
        var form = new MultipartFormDataContent();
        if (name is not null)
        {
            form.Add(new StringContent(name), "name");
        }

        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            form.Add(new StringContent(fields[i + 1]), fields[i]);
        }

        foreach (var (path, content) in files)
        {
            content.Headers.ContentType ??= new MediaTypeHeaderValue("application/octet-stream");
            form.Add(content, "file", path);
        }

        return form;
    }

    public static IEnumerable<(string, HttpContent)> Files(params (string Path, byte[] Bytes)[] files) =>
        files.Select(f => (f.Path, (HttpContent)new ByteArrayContent(f.Bytes)));

    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostPackageAsync(HttpClient http, HttpContent form, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/packages") { Content = form };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task<byte[]> DownloadAsync(HttpClient http, string packageId, string path)
    {
        using var response = await http.GetAsync($"v1/packages/{packageId}/files/{path}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>Reads the whole event log over HTTP and checks its hash chain.</summary>
    public static async Task<(int Count, string? Problem)> VerifyChainAsync(HttpClient http)
    {
        var records = new List<EventRecord>();
        long after = 0;
        while (true)
        {
            var (_, body) = await GetJsonAsync(http, $"v1/events?after={after}&limit=1000");
            var page = body.GetProperty("events").EnumerateArray().ToList();
            if (page.Count == 0)
            {
                break;
            }

            foreach (var e in page)
            {
                records.Add(new EventRecord(
                    e.GetProperty("seq").GetInt64(),
                    e.GetProperty("stream").GetString()!,
                    e.GetProperty("type").GetString()!,
                    Rfc3339.Parse(e.GetProperty("occurred_at").GetString()!),
                    e.GetProperty("actor").GetString()!,
                    Convert.FromBase64String(e.GetProperty("payload_cbor").GetString()!),
                    Convert.FromHexString(e.GetProperty("prev_hash").GetString()!),
                    Convert.FromHexString(e.GetProperty("hash").GetString()!)));
            }

            after = records[^1].Seq;
        }

        return (records.Count, await EventChain.VerifyAsync(records.ToAsyncEnumerable(), CancellationToken.None));
    }

    /// <summary>Sends a request with an optional bearer token and JSON body; returns status and parsed body.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient http, HttpMethod method, string path, string? token = null, object? json = null, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (json is not null)
        {
            request.Content = JsonContent.Create(json);
        }
        else if (content is not null)
        {
            request.Content = content;
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonElement body = default;
        if (text.Length > 0 && (response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) ?? false))
        {
            body = JsonDocument.Parse(text).RootElement.Clone();
        }

        return (response.StatusCode, body);
    }

    public static string Sha256(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
}
