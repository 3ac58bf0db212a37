using System.Globalization;
using System.Text.Json;
using ArtifactStore.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ArtifactStore.EndToEnd.Tests.BadInput;

/// <summary>
/// The bad-input suite: generated malformed requests for every endpoint against one real server. No answer
/// may be a 5xx, every error is a problem document with a <c>code</c>, and nothing is written. It runs with
/// a fixed seed; <c>ARTIFACTSTORE_BADINPUT_ITERATIONS</c> and <c>ARTIFACTSTORE_BADINPUT_SEED</c> make a
/// longer randomised run (see tests/ArtifactStore.EndToEnd.Tests/README.md).
/// </summary>
public sealed class BadInputSuiteTests(BadInputServer server) : IClassFixture<BadInputServer>
{
    private const int DefaultIterations = 300;
    private const int DefaultSeed = 14;

    [Fact]
    public void the_generator_covers_every_endpoint_of_the_route_table()
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Never resolved: mapping only needs to know these are services, not request bodies.
        builder.Services.AddSingleton<StoreRuntime>(_ => throw new InvalidOperationException("not for resolving"));
        builder.Services.AddSingleton<ReadinessMonitor>(_ => throw new InvalidOperationException("not for resolving"));
        using var app = builder.Build();
        ServerApp.MapEndpoints(app);
        var mapped = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m} {e.RoutePattern.RawText}"))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Empty(mapped.Except(BadInputGenerator.Routes));
        Assert.Empty(BadInputGenerator.Routes.Except(mapped));
    }

    [Fact]
    public async Task every_generated_bad_request_is_refused_with_a_problem_and_writes_nothing()
    {
        var generator = new BadInputGenerator(server.PackageId);
        var iterations = Setting("ARTIFACTSTORE_BADINPUT_ITERATIONS", DefaultIterations);
        var seed = Setting("ARTIFACTSTORE_BADINPUT_SEED", DefaultSeed);
        var failures = new List<string>();
        var sent = 0;
        foreach (var request in generator.Fixed().Concat(generator.Random(seed, iterations)))
        {
            var response = await server.SendAsync(request);
            sent++;
            if (await server.AssertAnsweredAsync(request, response) is { } failure)
            {
                failures.Add(failure);
            }
        }

        Assert.True(failures.Count == 0, $"seed {seed}: {failures.Count} of {sent} requests broke the rules:\n{string.Join('\n', failures)}");
    }

    [Theory]
    [InlineData("multipart with no body")]
    [InlineData("multipart without a closing boundary")]
    [InlineData("multipart with a truncated part")]
    [InlineData("multipart with a truncated file")]
    [InlineData("multipart with another boundary")]
    [InlineData("multipart with a 5000-character boundary")]
    [InlineData("multipart without a boundary")]
    [InlineData("multipart field value with invalid UTF-8")]
    [InlineData("multipart file name with invalid UTF-8")]
    [InlineData("multipart field name with invalid UTF-8")]
    public async Task broken_multipart_is_malformed_request_on_both_upload_endpoints(string what)
    {
        foreach (var request in new BadInputGenerator(server.PackageId).Fixed().Where(r => r.Case == what))
        {
            await AssertProblemAsync(request, 400, "malformed_request");
        }
    }

    [Theory]
    [InlineData("options with a duplicate key", "options.mode")]
    [InlineData("options number out of range", "options.mode")]
    [InlineData("options negative number out of range", "options.mode")]
    [InlineData("options with a lone surrogate value", "options.mode")]
    [InlineData("options with a lone surrogate key", "options")]
    [InlineData("options nested duplicate", "options.a.b")]
    [InlineData("multipart options {\"mode\":1,\"mode\":2}", "options.mode")]
    [InlineData("multipart options {\"mode\":1e400}", "options.mode")]
    [InlineData("multipart options {\"mode\":\"\\ud800\"}", "options.mode")]
    public async Task bad_job_options_are_422_naming_the_field(string what, string field)
    {
        var request = new BadInputGenerator(server.PackageId).Fixed().Single(r => r.Case == what);
        var problem = await AssertProblemAsync(request, 422, "validation_failed");
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("JSON with invalid UTF-8", 400, "malformed_request")]
    [InlineData("JSON with a UTF-8-encoded surrogate", 400, "malformed_request")]
    [InlineData("truncated JSON", 400, "malformed_request")]
    [InlineData("JSON nested 100 deep", 400, "malformed_request")]
    [InlineData("JSON with a lone surrogate", 422, "validation_failed")]
    [InlineData("JSON with a duplicate key", 422, "validation_failed")]
    [InlineData("JSON number out of range", 422, "validation_failed")]
    [InlineData("JSON over 64 KiB with a length", 413, "payload_too_large")]
    [InlineData("JSON over 64 KiB chunked", 413, "payload_too_large")]
    [InlineData("JSON of 4 MiB chunked", 413, "payload_too_large")]
    public async Task bad_json_bodies_get_their_status_on_every_json_endpoint(string what, int status, string code)
    {
        var requests = new BadInputGenerator(server.PackageId).Fixed().Where(r => r.Case == what).ToList();
        Assert.Equal(9, requests.Count);
        foreach (var request in requests)
        {
            var problem = await AssertProblemAsync(request, status, code);
            if (what == "JSON with a lone surrogate")
            {
                Assert.Contains(problem.GetProperty("field").GetString(), new[] { "reason", "name" });
            }
        }
    }

    [Theory]
    [InlineData("unknown path ending in .json", 404, "not_found")]
    [InlineData("unknown root file", 404, "not_found")]
    [InlineData("path normalised from ../", 404, "not_found")]
    [InlineData("path with invalid UTF-8", 404, "not_found")]
    [InlineData("method not allowed", 405, "method_not_allowed")]
    [InlineData("method not allowed on an id", 405, "method_not_allowed")]
    [InlineData("unknown method", 405, "method_not_allowed")]
    public async Task errors_the_http_stack_produces_are_problem_documents(string what, int status, string code)
    {
        var request = new BadInputGenerator(server.PackageId).Fixed().Single(r => r.Case == what);
        await AssertProblemAsync(request, status, code);
    }

    [Fact]
    public async Task a_nul_in_the_path_is_rejected_by_kestrel_before_the_app_runs()
    {
        // The documented limit (docs/api.md, "Errors"): Kestrel answers this itself, with no body and no request id.
        var response = await server.SendAsync(new BadRequest("NUL", "GET", "/v1/pack%00ages"));
        Assert.Equal(400, response.Status);
        Assert.Empty(response.Body);
        Assert.False(response.Headers.ContainsKey("x-request-id"));
    }

    private async Task<JsonElement> AssertProblemAsync(BadRequest request, int status, string code)
    {
        var response = await server.SendAsync(request);
        var text = System.Text.Encoding.UTF8.GetString(response.Body);
        Assert.True(status == response.Status, $"{request}: expected {status}, got {response.Status} {text}");
        Assert.Equal("application/problem+json", response.MediaType);
        var problem = JsonDocument.Parse(response.Body).RootElement.Clone();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal(response.Headers["x-request-id"], problem.GetProperty("request_id").GetString());
        Assert.Null(await server.AssertAnsweredAsync(request, response));
        return problem;
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
