using System.Net;
using System.Text.RegularExpressions;
using Npgsql;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// compose.scale-out.yaml's replicas, run as real processes instead of containers (the container suite
/// covers the image): two servers with exactly the environment the file gives its replicas — the
/// backend, the profile, the S3 keys and the AWS credentials, its <c>${…}</c> variables filled in from
/// the test's PostgreSQL and S3 servers — become ready on one store, and what one stores the other serves.
/// </summary>
public sealed partial class ScaleOutComposeTests
{
    [Fact]
    public async Task two_replicas_with_the_compose_files_environment_serve_one_store()
    {
        using var temp = new TempDirectory();
        await using var store = await ScaleOutStore.CreateAsync(temp);
        var settings = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(store.Config))!["Store"]!;
        var pg = new NpgsqlConnectionStringBuilder(settings["Postgres"]!["ConnectionString"]!.GetValue<string>());
        var variables = new Dictionary<string, string>
        {
            ["AS_PG_PASSWORD"] = "unused-with-trust-authentication",
            ["AS_S3_SERVICE_URL"] = settings["S3"]!["ServiceUrl"]!.GetValue<string>(),
            ["AS_S3_BUCKET"] = settings["S3"]!["Bucket"]!.GetValue<string>(),
            ["AS_S3_PREFIX"] = store.Prefix,
            ["AS_S3_PATH_STYLE"] = "true",
            ["AWS_ACCESS_KEY_ID"] = "S3RVER",
            ["AWS_SECRET_ACCESS_KEY"] = "S3RVER",
        };
        var environment = ReplicaEnvironment(await File.ReadAllTextAsync(Path.Combine(Cli.RepositoryRoot, "compose.scale-out.yaml")), variables);
        Assert.Equal("scale-out", environment["ARTIFACTSTORE_STORE__BACKEND"]);
        Assert.Equal("prod", environment["ARTIFACTSTORE_PROFILE"]);

        // The database is the test's own server (the compose file's is the service "postgres"): same keys, its address.
        var fromFile = new NpgsqlConnectionStringBuilder(environment["ARTIFACTSTORE_STORE__POSTGRES__CONNECTIONSTRING"]);
        Assert.Equal(20, fromFile.MaxPoolSize);
        fromFile.Host = pg.Host;
        fromFile.Port = pg.Port;
        fromFile.Database = pg.Database;
        fromFile.Username = pg.Username;
        environment["ARTIFACTSTORE_STORE__POSTGRES__CONNECTIONSTRING"] = fromFile.ToString();

        await using var one = await ServerProcess.StartAsync(temp.Combine("replica-1"), environment: environment, profile: "prod");
        await using var two = await ServerProcess.StartAsync(temp.Combine("replica-2"), environment: environment, profile: "prod");
        // Over the 64 KiB inline threshold (docs/upload.md, "Small blobs"), so the bytes go to the bucket the file's S3 keys name.
        var bytes = new byte[100 * 1024];
        new Random(1).NextBytes(bytes);
        var (status, body) = await Api.PostPackageAsync(one.Http, Api.Form("compose/one", Api.Files(("a.txt", bytes))));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(bytes, await Api.DownloadAsync(two.Http, body.GetProperty("id").GetString()!, "a.txt"));
        Assert.Single(await store.BlobKeysAsync(), k => k.EndsWith(Api.Sha256(bytes)["sha256:".Length..], StringComparison.Ordinal));
        Assert.Equal(0, await one.StopAsync());
        Assert.Equal(0, await two.StopAsync());
    }

    /// <summary>The <c>environment:</c> block of the file's <c>x-replica</c> anchor, with <c>${NAME…}</c> filled in as compose would.</summary>
    private static Dictionary<string, string> ReplicaEnvironment(string compose, IReadOnlyDictionary<string, string> variables)
    {
        var lines = compose.Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith("x-replica:", StringComparison.Ordinal));
        var block = Array.FindIndex(lines, start, l => l.TrimEnd() == "  environment:");
        Assert.True(start >= 0 && block > start, "compose.scale-out.yaml has no x-replica environment block");
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(block + 1).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal) || l.TrimStart().StartsWith('#')))
        {
            var entry = Entry().Match(line);
            if (entry.Success)
            {
                environment[entry.Groups["key"].Value] = Substitute(entry.Groups["value"].Value.Trim().Trim('"'), variables);
            }
        }

        return environment;
    }

    /// <summary><c>${NAME}</c>, <c>${NAME:-default}</c> and <c>${NAME:?message}</c>: a required variable the test does not give fails it.</summary>
    private static string Substitute(string value, IReadOnlyDictionary<string, string> variables) =>
        Variable().Replace(value, m =>
        {
            var name = m.Groups["name"].Value;
            if (variables.TryGetValue(name, out var given))
            {
                return given;
            }

            Assert.True(m.Groups["op"].Value == ":-", $"compose.scale-out.yaml requires {name}, which the test does not give");
            return m.Groups["arg"].Value;
        });

    [GeneratedRegex(@"^    (?<key>[A-Z][A-Z0-9_]*): (?<value>.*)$")]
    private static partial Regex Entry();

    [GeneratedRegex(@"\$\{(?<name>[A-Z0-9_]+)(?:(?<op>:[-?])(?<arg>[^}]*))?\}")]
    private static partial Regex Variable();
}
