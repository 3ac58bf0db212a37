using System.Net;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Server.Dashboard;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Routing;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// The readiness gate and authentication decide by the endpoint routing matched (docs/security.md), so
/// no spelling of a path gets past them: routing ignores case, and so must they.
/// </summary>
public sealed class ReadinessGateTests
{
    /// <summary>Every endpoint that changes something, each spelled in a case routing accepts.</summary>
    private static readonly (string Method, string Path)[] Writes =
    [
        ("POST", "V1/packages"),
        ("POST", "v1/PACKAGES"),
        ("POST", "V1/Packages/{id}/Retention/Extensions"),
        ("POST", "v1/packages/{id}/RETENTION/holds"),
        ("POST", "v1/Packages/{id}/retention/Holds/{hold}/Release"),
        ("POST", "V1/packages/{id}/retention/PIN"),
        ("POST", "V1/packages/{id}/retention/Unpin"),
        ("POST", "V1/admin/retention/sweep"),
        ("POST", "v1/ADMIN/gc"),
        ("POST", "V1/Admin/Tokens"),
        ("POST", "v1/admin/TOKENS/someone/revoke"),
        ("POST", "V1/jobs"),
        ("POST", "V1/Jobs/{id}/Cancel"),
        ("POST", "v1/JOBS/{id}/pin"),
        ("POST", "v1/jobs/{id}/UNPIN"),
    ];

    [Fact]
    public async Task every_write_endpoint_answers_not_ready_however_its_path_is_spelled()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using (var ready = await ServerProcess.StartAsync(root))
        {
            // The spellings reach the endpoints: on a ready server they create and list packages.
            Assert.Equal(HttpStatusCode.Created, (await Api.SendAsync(ready.Http, HttpMethod.Post, "V1/packages", content: Api.Form("p", Api.Files(("a", [1]))))).Status);
            Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(ready.Http, HttpMethod.Get, "V1/PACKAGES")).Status);
            Assert.Equal(0, await ready.StopAsync());
        }

        // A build other than the expected revision is never ready (ReadinessTests).
        var wrong = new Dictionary<string, string> { ["ARTIFACTSTORE_EXPECTED_REVISION"] = new string('0', 40) };
        await using var server = await ServerProcess.StartListeningAsync(root, environment: wrong);
        await Readiness.WaitForCheckAsync(server, "recovery");
        var id = Guid.CreateVersion7().ToString();
        var failures = new List<string>();
        foreach (var (method, template) in Writes.Concat([("GET", "V1/packages"), ("GET", "v1/EVENTS"), ("GET", "V1/admin/tokens"), ("GET", "v1/no-such-thing")]))
        {
            var path = template.Replace("{id}", id, StringComparison.Ordinal).Replace("{hold}", id, StringComparison.Ordinal);
            var (status, body) = method == "GET"
                ? await Api.SendAsync(server.Http, HttpMethod.Get, path)
                : await Api.SendAsync(server.Http, HttpMethod.Post, path, json: new { reason = "r", name = "t", role = "admin", type = "t" });
            var code = body.ValueKind == System.Text.Json.JsonValueKind.Object && body.TryGetProperty("code", out var c) ? c.GetString() : null;
            if (status != HttpStatusCode.ServiceUnavailable || code != "not_ready")
            {
                failures.Add($"{method} /{path}: {(int)status} {code}, expected 503 not_ready");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.Equal(HttpStatusCode.OK, (await Api.GetJsonAsync(server.Http, "HEALTH/live")).Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Api.GetJsonAsync(server.Http, "Health/Ready")).Status);
    }

    [Fact]
    public async Task an_endpoint_without_a_declared_role_such_as_the_unknown_path_fallback_needs_a_token()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var reader = (await TokenCli.CreateAsync(root, "reader", "reader", null))!;
        await using var server = await ServerProcess.StartAsync(root);

        var (anonymous, problem) = await Api.SendAsync(server.Http, HttpMethod.Get, "v1/no-such-thing");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous);
        Assert.Equal("unauthorized", problem.GetProperty("code").GetString());
        var (known, notFound) = await Api.SendAsync(server.Http, HttpMethod.Get, "v1/no-such-thing", reader);
        Assert.Equal(HttpStatusCode.NotFound, known);
        Assert.Equal("not_found", notFound.GetProperty("code").GetString());
    }

    /// <summary>
    /// Closed by default: every endpoint the server maps either declares the role it needs or is one of the
    /// two public health endpoints. A new endpoint that forgets its role still needs a token (reader), and
    /// only a <see cref="PublicEndpoint"/> passes the readiness gate.
    /// </summary>
    [Fact]
    public async Task only_the_health_endpoints_are_public_and_every_other_endpoint_declares_its_role()
    {
        using var temp = new TempDirectory();
        var opened = await StoreRuntime.OpenAsync(new StoreOptions { DataRoot = temp.Combine("root") });
        await using var store = opened.Value;
        await using var app = ServerApp.Build(store, ServerProcess.LoopbackAnyPort, backgroundWork: false);

        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().ToList();
        var routes = endpoints.Where(e => e.Order == 0).ToList();
        Assert.True(routes.Count > 20, $"only {routes.Count} routes found");
        var api = routes.Where(e => e.Metadata.GetMetadata<DashboardPage>() is null).ToList();
        var publicRoutes = api.Where(e => e.Metadata.GetMetadata<PublicEndpoint>() is not null).Select(e => e.RoutePattern.RawText).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["/health/live", "/health/ready"], publicRoutes);
        var undeclared = api.Where(e => e.Metadata.GetMetadata<PublicEndpoint>() is null && e.Metadata.GetMetadata<RequiredRole>() is null).Select(e => e.DisplayName).ToList();
        Assert.True(undeclared.Count == 0, "endpoints without RequiredRole: " + string.Join(", ", undeclared));

        // The dashboard checks its own session (docs/dashboard.md); of its endpoints only the health page and the two
        // static assets pass the readiness gate.
        var dashboardPublic = routes.Where(e => e.Metadata.GetMetadata<DashboardPage>() is not null && e.Metadata.GetMetadata<PublicEndpoint>() is not null)
            .Select(e => "/" + e.RoutePattern.RawText?.TrimStart('/')).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["/assets/dashboard.css", "/assets/dashboard.js", "/health"], dashboardPublic);
    }
}
