using System.Net;
using System.Text;
using System.Text.Json;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>Each kind of bad input gets its status and stable code, and nothing is written.</summary>
public sealed class BadInputTests
{
    private const string Boundary = "b0undary";

    public static TheoryData<string, string, int, string> Cases => new()
    {
        { "missing name", Body(null, [("a.txt", "x")]), 422, "validation_failed" },
        { "traversal in name", Body("../x", [("a.txt", "x")]), 422, "validation_failed" },
        { "doubled slash in name", Body("a//b", [("a.txt", "x")]), 422, "validation_failed" },
        { "traversal in path", Body("ok", [("../../etc/passwd", "x")]), 422, "validation_failed" },
        { "absolute path", Body("ok", [("/etc/passwd", "x")]), 422, "validation_failed" },
        { "backslash in path", Body("ok", [("dir\\file", "x")]), 422, "validation_failed" },
        { "control character in path", Body("ok", [("a\u0001b", "x")]), 422, "validation_failed" },
        { "path over 1024 bytes", Body("ok", [(new string('p', 1025), "x")]), 422, "validation_failed" },
        { "duplicate path", Body("ok", [("a", "x"), ("a", "y")]), 422, "validation_failed" },
        { "no files", Body("ok", []), 422, "validation_failed" },
        { "label without '='", Body("ok", [("a", "x")], ("label", "novalue")), 422, "validation_failed" },
        { "label with control character", Body("ok", [("a", "x")], ("label", "k=v\u0007")), 422, "validation_failed" },
        { "unknown field", Body("ok", [("a", "x")], ("colour", "blue")), 422, "validation_failed" },
        { "unknown retention class", Body("ok", [("a", "x")], ("retention_class", "eternal")), 422, "retention_class_unknown" },
        { "too many files", Body("ok", [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")]), 413, "payload_too_large" },
        { "upload over the size limit", Body("ok", [("big", new string('x', 300_000)), ("big2", new string('y', 300_000))]), 413, "payload_too_large" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task bad_uploads_are_refused_with_their_code_and_leave_nothing_behind(string what, string body, int status, string code)
    {
        using var temp = new TempDirectory();
        var config = temp.Combine("limits.json");
        await File.WriteAllTextAsync(config, """{ "Limits": { "MaxUploadBytes": 500000, "MaxFilesPerPackage": 3 } }""");
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"), config);

        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={Boundary}");
        using var response = await server.Http.PostAsync("v1/packages", content);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.True(status == (int)response.StatusCode, $"{what}: expected {status}, got {(int)response.StatusCode} {problem}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        Assert.Equal(response.Headers.GetValues("X-Request-Id").Single(), problem.GetProperty("request_id").GetString());

        await AssertNothingWrittenAsync(server, temp);
    }

    [Fact]
    public async Task a_body_that_is_not_multipart_is_refused()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        using var response = await server.Http.PostAsync("v1/packages", new StringContent("{\"name\":\"x\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        await AssertNothingWrittenAsync(server, temp);
    }

    [Fact]
    public async Task unknown_ids_paths_and_routes_answer_not_found_codes()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var (status, body) = await Api.GetJsonAsync(server.Http, $"v1/packages/{Guid.CreateVersion7()}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("package_not_found", body.GetProperty("code").GetString());
        (status, body) = await Api.GetJsonAsync(server.Http, "v1/packages/not-an-id");
        Assert.Equal("package_not_found", body.GetProperty("code").GetString());
        (status, body) = await Api.GetJsonAsync(server.Http, "v1/packages?limit=5000");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        (status, body) = await Api.GetJsonAsync(server.Http, "v1/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("not_found", body.GetProperty("code").GetString());

        var (created, package) = await Api.PostPackageAsync(server.Http, Api.Form("p", Api.Files(("a", "x"u8.ToArray()))));
        Assert.Equal(HttpStatusCode.Created, created);
        (status, body) = await Api.GetJsonAsync(server.Http, $"v1/packages/{package.GetProperty("id").GetString()}/files/missing");
        Assert.Equal("file_not_found", body.GetProperty("code").GetString());
    }

    private static async Task AssertNothingWrittenAsync(ServerProcess server, TempDirectory temp)
    {
        var (_, events) = await Api.GetJsonAsync(server.Http, "v1/events");
        Assert.Empty(events.GetProperty("events").EnumerateArray());
        Assert.Empty(Directory.EnumerateFiles(temp.Combine("root", "blobs"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Combine("root", "tmp")));
    }

    private static string Body(string? name, (string Path, string Content)[] files, params (string Field, string Value)[] fields)
    {
        var text = new StringBuilder();
        void Part(string disposition, string content) =>
            text.Append("--").Append(Boundary).Append("\r\nContent-Disposition: form-data; ").Append(disposition)
                .Append("\r\n\r\n").Append(content).Append("\r\n");
        if (name is not null)
        {
            Part("name=\"name\"", name);
        }

        foreach (var (field, value) in fields)
        {
            Part($"name=\"{field}\"", value);
        }

        foreach (var (path, content) in files)
        {
            Part($"name=\"file\"; filename=\"{path.Replace("\\", "\\\\", StringComparison.Ordinal)}\"", content);
        }

        return text.Append("--").Append(Boundary).Append("--\r\n").ToString();
    }
}
