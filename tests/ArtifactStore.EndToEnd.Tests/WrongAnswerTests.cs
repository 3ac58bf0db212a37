using System.Net;
using System.Text;
using System.Text.Json;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// Input that .NET's lenient parsers used to take, answered through a real server: a trailing line break in a name,
/// times that are not RFC 3339 with an offset, ids in another spelling than the one the store issued, and one path
/// in two Unicode forms. Each gets a stable code, and no answer repeats the caller's text as an id.
/// </summary>
public sealed class WrongAnswerTests
{
    [Theory]
    [InlineData("name", "reports\n")]
    [InlineData("name", "reports\r\n")]
    [InlineData("label", "env\n=prod")]
    [InlineData("label", "env\r\n=prod")]
    public async Task a_name_or_label_key_with_a_line_break_is_refused(string field, string value)
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        using var form = field == "name"
            ? Api.Form(value, Api.Files(("a.txt", Bytes(1))))
            : Api.Form("reports", Api.Files(("a.txt", Bytes(1))), field, value);

        var (status, body) = await Api.PostPackageAsync(server.Http, form);

        AssertProblem(status, body, HttpStatusCode.UnprocessableEntity, "validation_failed", field);
        Assert.Empty((await Api.GetJsonAsync(server.Http, "v1/packages")).Body.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task a_token_name_with_a_line_break_is_refused()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));

        var (status, body) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/tokens", json: new { name = "ci-bot\n", role = "reader" });

        AssertProblem(status, body, HttpStatusCode.UnprocessableEntity, "validation_failed", "name");
        var (_, tokens) = await Api.SendAsync(server.Http, HttpMethod.Get, "v1/admin/tokens");
        Assert.Empty(tokens.GetProperty("tokens").EnumerateArray());
    }

    [Theory]
    [InlineData("01/02/2099")]
    [InlineData("Jan 1 2099")]
    [InlineData("2099-01-02")]
    [InlineData("2099-01-02T00:00:00")]
    [InlineData("2099-01-02 00:00:00Z")]
    [InlineData("2099-01-02T00:00:00Z\n")]
    [InlineData("")]
    public async Task new_expires_at_must_be_rfc3339_with_an_offset(string time)
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var id = await CreatePackageAsync(server);
        var before = (await Api.GetJsonAsync(server.Http, $"v1/packages/{id}/retention")).Body.GetProperty("expires_at").GetString();

        var (status, body) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/packages/{id}/retention/extensions",
            json: new { new_expires_at = time, reason = "audit" });

        AssertProblem(status, body, HttpStatusCode.UnprocessableEntity, "validation_failed", "new_expires_at");
        Assert.Equal(before, (await Api.GetJsonAsync(server.Http, $"v1/packages/{id}/retention")).Body.GetProperty("expires_at").GetString());
    }

    [Fact]
    public async Task a_time_with_an_offset_is_taken_and_answered_in_utc()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var id = await CreatePackageAsync(server);

        var (status, body) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/packages/{id}/retention/extensions",
            json: new { new_expires_at = "2099-01-02T01:30:00+02:00", reason = "audit" });

        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {body}");
        Assert.Equal("2099-01-01T23:30:00.000Z", body.GetProperty("expires_at").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("01%2F02%2F2099")]
    [InlineData("Jan%201%202099")]
    [InlineData("2099-01-02T00:00:00")]
    [InlineData("2099-01-02")]
    public async Task as_of_must_be_rfc3339_with_an_offset_even_when_empty(string query)
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));

        var (status, body) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/admin/retention/sweep?dry_run=true&as_of={query}");

        AssertProblem(status, body, HttpStatusCode.UnprocessableEntity, "validation_failed", "as_of");
        var (ok, report) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/retention/sweep?dry_run=true&as_of=2099-01-02T00:00:00-01:00");
        Assert.True(ok == HttpStatusCode.OK, $"{(int)ok} {report}");
        Assert.Equal("2099-01-02T01:00:00.000Z", report.GetProperty("as_of").GetString());
    }

    [Fact]
    public async Task only_the_canonical_spelling_of_an_id_names_a_package_and_no_answer_repeats_another()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var id = await CreatePackageAsync(server);
        Assert.Equal(id.ToLowerInvariant(), id);

        foreach (var spelling in OtherSpellings(id))
        {
            var escaped = Uri.EscapeDataString(spelling);
            foreach (var (method, path) in new[]
            {
                (HttpMethod.Get, $"v1/packages/{escaped}"),
                (HttpMethod.Get, $"v1/packages/{escaped}/manifest"),
                (HttpMethod.Get, $"v1/packages/{escaped}/files/a.txt"),
                (HttpMethod.Get, $"v1/packages/{escaped}/retention"),
                (HttpMethod.Get, $"v1/packages/{escaped}/retention/history"),
                (HttpMethod.Post, $"v1/packages/{escaped}/retention/holds"),
                (HttpMethod.Post, $"v1/packages/{escaped}/retention/pin"),
                (HttpMethod.Post, $"v1/packages/{escaped}/retention/extensions"),
            })
            {
                var (status, body) = await Api.SendAsync(server.Http, method, path, json: new { reason = "audit", new_expires_at = "2099-01-01T00:00:00Z" });
                AssertProblem(status, body, HttpStatusCode.NotFound, "package_not_found", field: null);
                AssertNotRepeated(body, spelling);
            }
        }

        // Nothing above changed the package: no hold, no pin.
        var retention = (await Api.GetJsonAsync(server.Http, $"v1/packages/{id}/retention")).Body;
        Assert.Empty(retention.GetProperty("holds").EnumerateArray());
        Assert.False(retention.GetProperty("pinned").GetBoolean());
    }

    [Fact]
    public async Task answers_carry_the_stored_ids_and_a_hold_id_must_be_canonical_too()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var id = await CreatePackageAsync(server);

        var (held, hold) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/packages/{id}/retention/holds", json: new { reason = "litigation" });
        Assert.Equal(HttpStatusCode.Created, held);
        Assert.Equal(id, hold.GetProperty("package_id").GetString());
        var holdId = hold.GetProperty("hold_id").GetString()!;

        var (_, history) = await Api.SendAsync(server.Http, HttpMethod.Get, $"v1/packages/{id}/retention/history");
        Assert.Equal(id, history.GetProperty("package_id").GetString());

        foreach (var spelling in OtherSpellings(holdId))
        {
            var (status, body) = await Api.SendAsync(server.Http, HttpMethod.Post,
                $"v1/packages/{id}/retention/holds/{Uri.EscapeDataString(spelling)}/release", json: new { reason = "settled" });
            AssertProblem(status, body, HttpStatusCode.NotFound, "hold_not_found", field: null);
            AssertNotRepeated(body, spelling);
        }

        var (released, retention) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/packages/{id}/retention/holds/{holdId}/release", json: new { reason = "settled" });
        Assert.True(released == HttpStatusCode.OK, $"{(int)released} {retention}");
        Assert.Equal(id, retention.GetProperty("package_id").GetString());
    }

    [Fact]
    public async Task a_non_canonical_id_in_a_body_or_query_field_is_refused_naming_the_field()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var id = await CreatePackageAsync(server);

        var (submitted, problem) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/jobs",
            json: new { type = "anything", input_package_id = id.ToUpperInvariant() });
        AssertProblem(submitted, problem, HttpStatusCode.UnprocessableEntity, "validation_failed", "input_package_id");
        AssertNotRepeated(problem, id);

        // A cursor is the last id of a page, base64url-encoded: one wrapping an upper-case id was not issued.
        var cursor = Convert.ToBase64String(Encoding.ASCII.GetBytes(id.ToUpperInvariant())).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        foreach (var listing in new[] { "v1/packages", "v1/jobs" })
        {
            var (status, body) = await Api.SendAsync(server.Http, HttpMethod.Get, $"{listing}?cursor={cursor}");
            AssertProblem(status, body, HttpStatusCode.UnprocessableEntity, "validation_failed", "cursor");
        }
    }

    [Fact]
    public async Task a_job_id_in_another_spelling_is_not_found()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var id = Guid.CreateVersion7().ToString();

        foreach (var spelling in OtherSpellings(id))
        {
            var escaped = Uri.EscapeDataString(spelling);
            foreach (var (method, path) in new[]
            {
                (HttpMethod.Get, $"v1/jobs/{escaped}"),
                (HttpMethod.Get, $"v1/jobs/{escaped}/logs"),
                (HttpMethod.Post, $"v1/jobs/{escaped}/cancel"),
                (HttpMethod.Post, $"v1/jobs/{escaped}/pin"),
            })
            {
                var (status, body) = await Api.SendAsync(server.Http, method, path, json: new { reason = "keep" });
                AssertProblem(status, body, HttpStatusCode.NotFound, "job_not_found", field: null);
                AssertNotRepeated(body, spelling);
            }
        }
    }

    [Fact]
    public async Task one_path_in_nfc_and_nfd_is_a_duplicate_and_either_form_finds_the_file()
    {
        const string composed = "caf\u00e9/men\u00fc.txt";
        const string decomposed = "cafe\u0301/menu\u0308.txt";
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));

        using (var both = Api.Form("menus", Api.Files((composed, Bytes(1)), (decomposed, Bytes(2)))))
        {
            var (status, body) = await Api.PostPackageAsync(server.Http, both);
            AssertProblem(status, body, HttpStatusCode.UnprocessableEntity, "validation_failed", "file");
            Assert.Contains("NFC", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Empty((await Api.GetJsonAsync(server.Http, "v1/packages")).Body.GetProperty("items").EnumerateArray());

        using var one = Api.Form("menus", Api.Files((decomposed, Bytes(7, 8, 9))));
        var (created, package) = await Api.PostPackageAsync(server.Http, one);
        Assert.True(created == HttpStatusCode.Created, $"{(int)created} {package}");
        var id = package.GetProperty("id").GetString()!;
        Assert.Equal(decomposed, package.GetProperty("files")[0].GetProperty("path").GetString());

        Assert.Equal([7, 8, 9], await Api.DownloadAsync(server.Http, id, decomposed));
        Assert.Equal([7, 8, 9], await Api.DownloadAsync(server.Http, id, composed));
        var (missing, problem) = await Api.SendAsync(server.Http, HttpMethod.Get, $"v1/packages/{id}/files/cafe/menu.txt");
        AssertProblem(missing, problem, HttpStatusCode.NotFound, "file_not_found", field: null);
    }

    /// <summary>What <see cref="Guid.TryParse(string?, out Guid)"/> reads as the same id.</summary>
    private static string[] OtherSpellings(string id) =>
    [
        id.ToUpperInvariant(),
        "{" + id + "}",
        "(" + id + ")",
        id.Replace("-", string.Empty, StringComparison.Ordinal),
        id + " ",
        " " + id,
    ];

    private static byte[] Bytes(params byte[] bytes) => bytes;

    /// <summary>
    /// Asserts that no member of a problem document repeats <paramref name="text"/> in any letter case, except
    /// <c>instance</c>, which is by definition the request path.
    /// </summary>
    private static void AssertNotRepeated(JsonElement problem, string text)
    {
        foreach (var member in problem.EnumerateObject().Where(m => m.Name != "instance"))
        {
            Assert.DoesNotContain(text.Trim(), member.Value.GetRawText(), StringComparison.OrdinalIgnoreCase);
        }
    }

    private static async Task<string> CreatePackageAsync(ServerProcess server)
    {
        using var form = Api.Form("reports", Api.Files(("a.txt", Bytes(1, 2, 3))));
        var (status, body) = await Api.PostPackageAsync(server.Http, form);
        Assert.True(status == HttpStatusCode.Created, $"{(int)status} {body}");
        return body.GetProperty("id").GetString()!;
    }

    private static void AssertProblem(HttpStatusCode status, JsonElement body, HttpStatusCode expected, string code, string? field)
    {
        Assert.True(status == expected, $"expected {(int)expected} {code}, got {(int)status} {body}");
        Assert.Equal(code, body.GetProperty("code").GetString());
        if (field is not null)
        {
            Assert.Equal(field, body.GetProperty("field").GetString());
        }
    }
}
