using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ArtifactStore.Container.Tests;

/// <summary>Writes and reads packages over the HTTP API, as any client would.</summary>
internal static class Packages
{
    /// <summary>Uploads one file as a new package and returns the package id.</summary>
    public static async Task<string> PutAsync(HttpClient http, string name, string path, byte[] bytes)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(name), "name");
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", path);
        using var response = await http.PostAsync("v1/packages", form);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"upload of {name} answered {(int)response.StatusCode}: {text}");
        using var body = JsonDocument.Parse(text);
        return body.RootElement.GetProperty("id").GetString()!;
    }

    public static async Task<byte[]> GetFileAsync(HttpClient http, string id, string path)
    {
        using var response = await http.GetAsync($"v1/packages/{id}/files/{path}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"download of {id}/{path} answered {(int)response.StatusCode}");
        return await response.Content.ReadAsByteArrayAsync();
    }

    public static async Task<HttpStatusCode> StatusOfAsync(HttpClient http, string id)
    {
        using var response = await http.GetAsync($"v1/packages/{id}");
        return response.StatusCode;
    }

    /// <summary>Reproducible bytes of a given size (no compressible runs, so the digest covers real content).</summary>
    public static byte[] Content(int seed, int size)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
