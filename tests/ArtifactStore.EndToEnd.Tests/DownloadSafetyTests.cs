using System.Net;
using System.Net.Http.Headers;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// Stored files cannot run script in the store's origin (docs/security.md, "Serving user content"): every
/// response says <c>nosniff</c>, and active types are sandboxed attachments unless configured otherwise.
/// </summary>
public sealed class DownloadSafetyTests
{
    private static readonly (string Path, string? Type)[] Files =
    [
        ("site/page.html", null),                      // typed by its extension
        ("art/picture.svg", null),
        ("feed.bin", "TEXT/HTML; charset=utf-8"),     // typed by the uploader, in any case
        ("data/list.xml", "application/xml"),
        ("notes.txt", null),
        ("photo.png", null),
    ];

    [Fact]
    public async Task active_types_are_sandboxed_attachments_and_passive_ones_are_shown_with_nosniff_everywhere()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var id = await UploadAsync(server);

        foreach (var path in new[] { "site/page.html", "art/picture.svg", "feed.bin", "data/list.xml" })
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
            {
                using var response = await server.Http.SendAsync(new HttpRequestMessage(method, $"v1/packages/{id}/files/{path}"));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                AssertNoSniff(response);
                Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
                Assert.Equal(Path.GetFileName(path), response.Content.Headers.ContentDisposition?.FileNameStar);
                Assert.Equal("sandbox", string.Join(",", response.Headers.GetValues("Content-Security-Policy")));
            }
        }

        foreach (var path in new[] { "notes.txt", "photo.png" })
        {
            using var response = await server.Http.GetAsync($"v1/packages/{id}/files/{path}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            AssertNoSniff(response);
            Assert.Null(response.Content.Headers.ContentDisposition);
            Assert.False(response.Headers.Contains("Content-Security-Policy"));
        }

        // Not only downloads: JSON answers, problems and health answers carry it too.
        foreach (var path in new[] { $"v1/packages/{id}", "v1/packages/not-an-id", "health/live", "no/such/path" })
        {
            using var response = await server.Http.GetAsync(path);
            AssertNoSniff(response);
        }
    }

    [Fact]
    public async Task inline_active_content_is_shown_inline_but_still_sandboxed_and_config_show_names_the_key()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var (_, defaults, _) = await Cli.RunAsync(["config", "show", "--data-root", root]);
        Assert.Contains("Downloads:InlineActiveContent = false    (default)", defaults, StringComparison.Ordinal);

        var config = StoreFiles.Config(temp, """{ "Downloads": { "InlineActiveContent": true } }""");
        var (_, shown, _) = await Cli.RunAsync(["config", "show", "--data-root", root, "--config", config]);
        Assert.Contains("Downloads:InlineActiveContent = true    (file ", shown, StringComparison.Ordinal);

        await using var server = await ServerProcess.StartAsync(root, config);
        var id = await UploadAsync(server);
        using var response = await server.Http.GetAsync($"v1/packages/{id}/files/site/page.html");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(response.Content.Headers.ContentDisposition);
        Assert.Equal("sandbox", string.Join(",", response.Headers.GetValues("Content-Security-Policy")));
        AssertNoSniff(response);
    }

    [Fact]
    public async Task a_value_other_than_true_or_false_stops_start_up()
    {
        using var temp = new TempDirectory();
        var config = StoreFiles.Config(temp, """{ "Downloads": { "InlineActiveContent": "sometimes" } }""");
        var (exit, _, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("root"), "--config", config, "--urls", ServerProcess.LoopbackAnyPort]);
        Assert.Equal(2, exit);
        Assert.Contains("Downloads:InlineActiveContent: 'sometimes' is not true or false", stderr, StringComparison.Ordinal);
    }

    private static async Task<string> UploadAsync(ServerProcess server)
    {
        var form = new MultipartFormDataContent { { new StringContent("untrusted"), "name" } };
        foreach (var (path, type) in Files)
        {
            var content = new ByteArrayContent("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(document.cookie)</script></svg>"u8.ToArray());
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(type ?? "application/octet-stream");
            form.Add(content, "file", path);
        }

        var (status, body) = await Api.PostPackageAsync(server.Http, form);
        Assert.True(status == HttpStatusCode.Created, body.ToString());
        return body.GetProperty("id").GetString()!;
    }

    private static void AssertNoSniff(HttpResponseMessage response) =>
        Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
}
