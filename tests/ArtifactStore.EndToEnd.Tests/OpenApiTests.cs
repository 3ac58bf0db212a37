using System.Net;
using System.Text.Json;
using ArtifactStore.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c> (docs/api.md, "OpenAPI"): valid JSON from a real server, naming
/// every <c>/v1</c> route of the server's route table (read from <see cref="ServerApp.MapEndpoints"/>, not from a
/// list), and with schemas that the real answers for packages and jobs satisfy, member by member.
/// </summary>
public sealed class OpenApiTests
{
    [Fact]
    public async Task the_document_is_json_and_lists_every_v1_route_of_the_route_table()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var document = await DocumentAsync(server);
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.GetProperty("paths");

        var routes = V1Routes();
        Assert.True(routes.Count >= 20, $"the route table has only {routes.Count} /v1 routes");
        var missing = routes
            .Where(r => !paths.TryGetProperty(r.Path, out var item) || !item.TryGetProperty(r.Method.ToLowerInvariant(), out _))
            .Select(r => $"{r.Method} {r.Path}")
            .ToList();
        Assert.True(missing.Count == 0, "missing from the OpenAPI document: " + string.Join(", ", missing));

        // The reference page for people is served next to it, and loads the same document.
        using var page = await server.Http.GetAsync("docs");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("openapi/v1.json", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task its_schemas_match_the_answers_of_a_real_server_for_packages_and_jobs()
    {
        using var temp = new TempDirectory();
        var config = JobTests.Config(temp, new() { ["noop"] = JobTests.Sh("echo done > \"$ARTIFACTSTORE_OUTPUT_DIR/out.txt\"") });
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"), config);
        var document = await DocumentAsync(server);
        var checker = new SchemaChecker(document);

        using var form = Api.Form("reports/q4", Api.Files(("a.txt", "alpha"u8.ToArray()), ("dir/b.txt", "beta"u8.ToArray())), "label", "team=eval");
        var (created, package) = await Api.PostPackageAsync(server.Http, form);
        Assert.Equal(HttpStatusCode.Created, created);
        checker.Check(Response(document, "/v1/packages", "post", "201"), package, "POST /v1/packages");

        var id = package.GetProperty("id").GetString()!;
        checker.Check(Response(document, "/v1/packages/{id}", "get", "200"), await OkAsync(server, $"v1/packages/{id}"), "GET /v1/packages/{id}");
        checker.Check(Response(document, "/v1/packages", "get", "200"), await OkAsync(server, "v1/packages"), "GET /v1/packages");
        checker.Check(Response(document, "/v1/packages/{id}/retention", "get", "200"), await OkAsync(server, $"v1/packages/{id}/retention"), "GET …/retention");

        var (status, submitted) = await JobApi.SubmitAsync(server.Http, "noop", "input"u8.ToArray());
        Assert.Equal(HttpStatusCode.Accepted, status);
        checker.Check(Response(document, "/v1/jobs", "post", "202"), submitted, "POST /v1/jobs");
        var job = await JobApi.WaitAsync(server.Http, submitted.GetProperty("id").GetString()!);
        Assert.Equal("succeeded", JobApi.State(job));
        checker.Check(Response(document, "/v1/jobs/{id}", "get", "200"), job, "GET /v1/jobs/{id}");
        checker.Check(Response(document, "/v1/jobs", "get", "200"), await OkAsync(server, "v1/jobs"), "GET /v1/jobs");

        // The checks had something to hold the answers to: the documented package and job name their members as required.
        Assert.Contains("files", checker.RequiredOf(Response(document, "/v1/packages/{id}", "get", "200")));
        Assert.Contains("output_package_id", checker.RequiredOf(Response(document, "/v1/jobs/{id}", "get", "200")));
        Assert.True(checker.Checked > 40, $"only {checker.Checked} values were checked");
    }

    /// <summary>Every (method, path) the server maps under /v1, read from the route table the server builds.</summary>
    internal static List<(string Method, string Path)> V1Routes()
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Only for the route handlers to see which parameters are services; nothing is resolved.
        builder.Services.AddSingleton<StoreRuntime>(_ => throw new InvalidOperationException("not used"));
        builder.Services.AddSingleton<ReadinessMonitor>(_ => throw new InvalidOperationException("not used"));
        using var app = builder.Build();
        ServerApp.MapEndpoints(app);
        return [.. ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Select(endpoint => (endpoint, path: PathOf(endpoint.RoutePattern)))
            .Where(e => e.path.StartsWith("/v1/", StringComparison.Ordinal))
            .SelectMany(e => (e.endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(method => (method, e.path)))
            .Distinct()];
    }

    /// <summary>The OpenAPI spelling of a route: parameters as <c>{name}</c>, without catch-all stars or constraints.</summary>
    private static string PathOf(RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            RoutePatternSeparatorPart separator => separator.Content,
            _ => string.Empty,
        }))));

    private static async Task<JsonElement> DocumentAsync(ServerProcess server)
    {
        using var response = await server.Http.GetAsync("openapi/v1.json");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/openapi/v1.json answered {(int)response.StatusCode}: {text}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> OkAsync(ServerProcess server, string path)
    {
        var (status, body) = await Api.GetJsonAsync(server.Http, path);
        Assert.True(status == HttpStatusCode.OK, $"GET {path} answered {(int)status}: {body}");
        return body;
    }

    private static JsonElement Response(JsonElement document, string path, string method, string status)
    {
        var operation = document.GetProperty("paths").TryGetProperty(path, out var item) && item.TryGetProperty(method, out var found) ? found : default;
        Assert.True(operation.ValueKind == JsonValueKind.Object, $"{method} {path} is not in the document");
        Assert.True(operation.GetProperty("responses").TryGetProperty(status, out var response), $"{method} {path} documents no {status}");
        return response.GetProperty("content").GetProperty("application/json").GetProperty("schema");
    }

    /// <summary>Holds a JSON value to an OpenAPI 3.x schema: types (nullable included), required members, no undocumented members.</summary>
    private sealed class SchemaChecker(JsonElement document)
    {
        public int Checked { get; private set; }

        public IReadOnlyList<string> RequiredOf(JsonElement schema) =>
            Resolve(schema).TryGetProperty("required", out var required) ? [.. required.EnumerateArray().Select(r => r.GetString()!)] : [];

        public void Check(JsonElement schema, JsonElement value, string where)
        {
            var problems = new List<string>();
            Walk(schema, value, where, problems);
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }

        private JsonElement Resolve(JsonElement schema)
        {
            while (schema.TryGetProperty("$ref", out var reference))
            {
                var name = reference.GetString()!["#/components/schemas/".Length..];
                schema = document.GetProperty("components").GetProperty("schemas").GetProperty(name);
            }

            return schema;
        }

        private void Walk(JsonElement schema, JsonElement value, string where, List<string> problems)
        {
            Checked++;
            schema = Resolve(schema);
            foreach (var combinator in new[] { "oneOf", "anyOf" })
            {
                if (schema.TryGetProperty(combinator, out var options))
                {
                    var fits = options.EnumerateArray().Any(option =>
                    {
                        var attempt = new List<string>();
                        Walk(option, value, where, attempt);
                        return attempt.Count == 0;
                    });
                    if (!fits)
                    {
                        problems.Add($"{where}: {value.ValueKind} fits none of the {combinator} schemas");
                    }

                    return;
                }
            }

            if (schema.TryGetProperty("type", out var type))
            {
                var allowed = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
                if (schema.TryGetProperty("nullable", out var nullable) && nullable.GetBoolean())
                {
                    allowed.Add("null");
                }

                var actual = TypeOf(value);
                if (!allowed.Contains(actual) && !(actual == "integer" && allowed.Contains("number")))
                {
                    problems.Add($"{where}: is {actual}, the schema says {string.Join('|', allowed)}");
                    return;
                }
            }

            if (value.ValueKind == JsonValueKind.Object)
            {
                var properties = schema.TryGetProperty("properties", out var p) ? p : default;
                foreach (var required in RequiredOf(schema))
                {
                    if (!value.TryGetProperty(required, out _))
                    {
                        problems.Add($"{where}: the required member '{required}' is missing");
                    }
                }

                foreach (var member in value.EnumerateObject())
                {
                    if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(member.Name, out var memberSchema))
                    {
                        Walk(memberSchema, member.Value, $"{where}.{member.Name}", problems);
                    }
                    else if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.Object)
                    {
                        Walk(additional, member.Value, $"{where}.{member.Name}", problems);
                    }
                    else if (properties.ValueKind == JsonValueKind.Object)
                    {
                        problems.Add($"{where}: the member '{member.Name}' is not in the schema");
                    }
                }
            }
            else if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
            {
                var index = 0;
                foreach (var element in value.EnumerateArray())
                {
                    Walk(items, element, $"{where}[{index++}]", problems);
                }
            }
        }

        private static string TypeOf(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Null => "null",
            JsonValueKind.Object => "object",
            _ => "array",
        };
    }
}
