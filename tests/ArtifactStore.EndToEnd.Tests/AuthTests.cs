using System.Net;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>Every endpoint against every role: allowed exactly what the role allows (docs/security.md).</summary>
public sealed class AuthTests
{
    private static readonly string[] RoleOrder = ["reader", "writer", "operator", "admin"];

    /// <summary>Method, path (with {id} / {hold} placeholders) and the least role that may call it.</summary>
    private static readonly (string Method, string Path, string Least)[] Endpoints =
    [
        ("GET", "v1/packages", "reader"),
        ("GET", "v1/packages/{id}", "reader"),
        ("GET", "v1/packages/{id}/manifest", "reader"),
        ("GET", "v1/packages/{id}/files/a.txt", "reader"),
        ("HEAD", "v1/packages/{id}/files/a.txt", "reader"),
        ("GET", "v1/blobs/{blob}", "reader"),
        ("HEAD", "v1/blobs/{blob}", "reader"),
        ("GET", "v1/events", "reader"),
        ("GET", "v1/packages/{id}/retention", "reader"),
        ("GET", "v1/packages/{id}/retention/history", "reader"),
        ("POST", "v1/packages", "writer"),
        ("POST", "v1/packages/{id}/retention/extensions", "operator"),
        ("POST", "v1/packages/{id}/retention/holds", "operator"),
        ("POST", "v1/packages/{id}/retention/holds/{hold}/release", "operator"),
        ("POST", "v1/packages/{id}/retention/pin", "operator"),
        ("POST", "v1/packages/{id}/retention/unpin", "operator"),
        ("POST", "v1/admin/retention/sweep?dry_run=true", "operator"),
        ("POST", "v1/admin/gc?dry_run=true", "operator"),
        ("GET", "v1/admin/tokens", "admin"),
        ("POST", "v1/admin/tokens", "admin"),
        ("POST", "v1/admin/tokens/nobody/revoke", "admin"),
    ];

    [Fact]
    public async Task each_role_may_call_exactly_the_endpoints_its_rank_allows()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);
        var tokens = new Dictionary<string, string>();
        tokens["admin"] = (await TokenCli.CreateAsync(root, "the-admin", "admin", null))!;
        foreach (var role in new[] { "reader", "writer", "operator" })
        {
            tokens[role] = (await TokenCli.CreateAsync(root, $"the-{role}", role, tokens["admin"]))!;
        }

        var (_, package) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/packages", tokens["writer"], content: Api.Form("auth", Api.Files(("a.txt", "a"u8.ToArray()))));
        var id = package.GetProperty("id").GetString()!;
        var blob = package.GetProperty("files")[0].GetProperty("sha256").GetString()!;
        var (_, hold) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/packages/{id}/retention/holds", tokens["operator"], new { reason = "r" });
        var holdId = hold.GetProperty("hold_id").GetString()!;

        var failures = new List<string>();
        foreach (var (method, template, least) in Endpoints)
        {
            var path = template.Replace("{id}", id, StringComparison.Ordinal).Replace("{hold}", holdId, StringComparison.Ordinal).Replace("{blob}", blob, StringComparison.Ordinal);
            var (anonymous, _) = await CallAsync(server, method, path, null);
            if (anonymous != HttpStatusCode.Unauthorized)
            {
                failures.Add($"{method} {template} without a token: {(int)anonymous}, expected 401");
            }

            var (wrong, _) = await CallAsync(server, method, path, "ast_not-a-real-token");
            if (wrong != HttpStatusCode.Unauthorized)
            {
                failures.Add($"{method} {template} with an unknown token: {(int)wrong}, expected 401");
            }

            foreach (var role in RoleOrder)
            {
                var allowed = Array.IndexOf(RoleOrder, role) >= Array.IndexOf(RoleOrder, least);
                var (status, _) = await CallAsync(server, method, path, tokens[role]);
                var ok = allowed ? status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) : status == HttpStatusCode.Forbidden;
                if (!ok)
                {
                    failures.Add($"{method} {template} as {role}: {(int)status}, expected {(allowed ? "allowed" : "403")}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.True((await Api.GetJsonAsync(server.Http, "health/live")).Status == HttpStatusCode.OK, "health needs no token");

        foreach (var secret in tokens.Values)
        {
            Assert.DoesNotContain(secret, server.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task the_tokens_name_is_the_actor_and_revocation_takes_effect_at_once()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);
        var admin = (await TokenCli.CreateAsync(root, "admin", "admin", null))!;
        var writer = (await TokenCli.CreateAsync(root, "nightly-build", "writer", admin))!;

        var (created, package) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/packages", writer, content: Api.Form("p", Api.Files(("a", "a"u8.ToArray()))));
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal("nightly-build", package.GetProperty("created_by").GetString());
        var (_, events) = await Api.SendAsync(server.Http, HttpMethod.Get, "v1/events", admin);
        Assert.Contains(events.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "v1.package.created" && e.GetProperty("actor").GetString() == "nightly-build");

        var (exit, _, stderr) = await Cli.RunAsync(["token", "revoke", "--data-root", root, "--name", "nightly-build", "--token", admin]);
        Assert.True(exit == 0, stderr);
        var (after, problem) = await Api.SendAsync(server.Http, HttpMethod.Get, "v1/packages", writer);
        Assert.Equal(HttpStatusCode.Unauthorized, after);
        Assert.Equal("unauthorized", problem.GetProperty("code").GetString());

        var (list, _, _) = await Cli.RunAsync(["token", "list", "--data-root", root, "--token", admin]);
        Assert.Equal(0, list);
        Assert.DoesNotContain(writer, server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(admin, server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task without_tokens_the_server_refuses_non_loopback_addresses_unless_told_otherwise()
    {
        using var temp = new TempDirectory();
        var (exit, _, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("root"), "--urls", "http://0.0.0.0:0"]);
        Assert.Equal(2, exit);
        Assert.Contains("without API tokens", stderr, StringComparison.Ordinal);

        // With --allow-anonymous it starts; bound to 0.0.0.0 but the test talks to it through loopback only.
        using var process = Cli.Start(["serve", "--data-root", temp.Combine("root"), "--urls", "http://0.0.0.0:0", "--allow-anonymous"]);
        var line = await ReadUntilAsync(process, "listening on", TimeSpan.FromSeconds(60));
        process.Kill(entireProcessTree: true);
        Assert.Contains("listening on", line, StringComparison.Ordinal);
    }

    private static async Task<string> ReadUntilAsync(System.Diagnostics.Process process, string marker, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (await process.StandardOutput.ReadLineAsync(cancel.Token) is { } line)
        {
            if (line.Contains(marker, StringComparison.Ordinal))
            {
                return line;
            }
        }

        return string.Empty;
    }

    private static Task<(HttpStatusCode Status, System.Text.Json.JsonElement Body)> CallAsync(ServerProcess server, string method, string path, string? token) =>
        method switch
        {
            "GET" => Api.SendAsync(server.Http, HttpMethod.Get, path, token),
            "HEAD" => Api.SendAsync(server.Http, HttpMethod.Head, path, token),
            _ when path == "v1/packages" => Api.SendAsync(server.Http, HttpMethod.Post, path, token, content: Api.Form("x", Api.Files(("x", "x"u8.ToArray())))),
            _ when path == "v1/admin/tokens" => Api.SendAsync(server.Http, HttpMethod.Post, path, token, new { name = "t" + Guid.NewGuid().ToString("N")[..8], role = "reader" }),
            _ when path.EndsWith("/extensions", StringComparison.Ordinal) => Api.SendAsync(server.Http, HttpMethod.Post, path, token, new { new_expires_at = "2100-01-01T00:00:00Z", reason = "r" }),
            _ => Api.SendAsync(server.Http, HttpMethod.Post, path, token, new { reason = "r" }),
        };
}
