using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;
using ArtifactStore.Conformance.Tests.S3;
using ArtifactStore.S3;
using Npgsql;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// One scale-out store for a test: a PostgreSQL database of its own on the server <c>ARTIFACTSTORE_TEST_POSTGRES</c>
/// names and a prefix of its own in a bucket on the S3 server <c>ARTIFACTSTORE_TEST_S3</c> names (./test starts
/// both). <see cref="Environment"/> is the configuration replicas are started with (the environment form
/// operators use); <see cref="ServerProcess.StartAsync"/> takes it. With <c>proxied</c>, the replicas reach
/// both servers through <see cref="TcpProxy"/>s, so a test can take either away and give it back. Unset
/// variables fail the test, never skip it. Disposing drops the database and empties the prefix. Commands that
/// take a configuration file (copy-store) get <see cref="Config"/>, written by the overload that takes one.
/// </summary>
internal sealed class ScaleOutStore : IAsyncDisposable
{
    public const string Bucket = "artifactstore-e2e";

    private ScaleOutStore(string database, string prefix, TcpProxy? postgresProxy, TcpProxy? s3Proxy)
    {
        Database = database;
        Prefix = prefix;
        PostgresProxy = postgresProxy;
        S3Proxy = s3Proxy;
    }

    public string Database { get; }

    public string Prefix { get; }

    /// <summary>A configuration file with the <c>Store:*</c> keys (and the settings given), when created with one.</summary>
    public string Config { get; private set; } = "";

    /// <summary>Between the replicas and PostgreSQL, when the store was created proxied.</summary>
    public TcpProxy? PostgresProxy { get; }

    /// <summary>Between the replicas and S3, when the store was created proxied.</summary>
    public TcpProxy? S3Proxy { get; }

    /// <summary>A direct connection string to the store's database (for the test's own look behind the replicas' backs).</summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder(PostgresServer()) { Database = Database }.ToString();

    /// <summary>The replicas' configuration, as environment variables.</summary>
    public Dictionary<string, string> Environment(string? profile = null, string? database = null, string? prefix = null)
    {
        var postgres = new NpgsqlConnectionStringBuilder(PostgresServer()) { Database = database ?? Database };
        if (PostgresProxy is not null)
        {
            postgres.Host = "127.0.0.1";
            postgres.Port = PostgresProxy.Port;
        }

        var environment = new Dictionary<string, string>
        {
            ["ARTIFACTSTORE_STORE__BACKEND"] = "scale-out",
            ["ARTIFACTSTORE_STORE__POSTGRES__CONNECTIONSTRING"] = postgres.ToString(),
            ["ARTIFACTSTORE_STORE__S3__SERVICEURL"] = S3Proxy?.Url ?? S3Server(),
            ["ARTIFACTSTORE_STORE__S3__BUCKET"] = Bucket,
            ["ARTIFACTSTORE_STORE__S3__PREFIX"] = prefix ?? Prefix,
            ["ARTIFACTSTORE_STORE__S3__FORCEPATHSTYLE"] = "true",
            ["AWS_ACCESS_KEY_ID"] = "S3RVER",
            ["AWS_SECRET_ACCESS_KEY"] = "S3RVER",
        };
        if (profile is not null)
        {
            environment["ARTIFACTSTORE_PROFILE"] = profile;
        }

        return environment;
    }

    public static async Task<ScaleOutStore> CreateAsync(bool proxied = false)
    {
        var database = await CreateDatabaseAsync();
        await EnsureBucketAsync();
        TcpProxy? postgresProxy = null, s3Proxy = null;
        if (proxied)
        {
            var server = new NpgsqlConnectionStringBuilder(PostgresServer());
            postgresProxy = new TcpProxy(new Uri($"tcp://{server.Host}:{server.Port}"));
            postgresProxy.Start();
            s3Proxy = new TcpProxy(new Uri(S3Server()));
            s3Proxy.Start();
        }

        return new ScaleOutStore(database, "e2e-" + Guid.NewGuid().ToString("N")[..12] + "/", postgresProxy, s3Proxy);
    }

    /// <summary>
    /// A replica of this store: a server process started with its configuration (<c>Store:Backend=scale-out</c>
    /// and where its database and bucket are) in its environment; <paramref name="dataRoot"/> is the
    /// replica's own local directory.
    /// </summary>
    public Task<ServerProcess> StartReplicaAsync(string dataRoot, string? config = null, string profile = "dev") =>
        ServerProcess.StartAsync(dataRoot, config, Environment(), profile);

    /// <summary>A store whose <c>Store:*</c> keys, with <paramref name="settings"/> (JSON, or null), are in a file in <paramref name="temp"/>.</summary>
    public static async Task<ScaleOutStore> CreateAsync(TempDirectory temp, string? settings = null)
    {
        var store = await CreateAsync();
        var json = settings is null ? new JsonObject() : JsonNode.Parse(settings)!.AsObject();
        json["Store"] = new JsonObject
        {
            ["Backend"] = "scale-out",
            ["Postgres"] = new JsonObject { [nameof(ConnectionString)] = store.ConnectionString },
            ["S3"] = new JsonObject
            {
                ["ServiceUrl"] = S3Server(),
                ["Bucket"] = Bucket,
                [nameof(Prefix)] = store.Prefix,
                ["ForcePathStyle"] = "true",
                ["AccessKey"] = "S3RVER",
                ["SecretKey"] = "S3RVER",
            },
        };
        store.Config = Path.Combine(temp.Path, $"scale-out-{store.Database}.json");
        await File.WriteAllTextAsync(store.Config, json.ToJsonString());
        return store;
    }

    /// <summary>A new, empty database on the test server (another lane's, say).</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var name = "as_e2e_" + Guid.NewGuid().ToString("N")[..16];
        await using var admin = await OpenAdminAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
        await create.ExecuteNonQueryAsync();
        return name;
    }

    /// <summary>Runs a query on the store's database and returns the first column of the first row.</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>The keys of the store's objects under its prefix.</summary>
    public async Task<List<string>> ListObjectsAsync()
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = Prefix };
        while (true)
        {
            var page = await Client.Value.ListObjectsV2Async(request);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            if (page.IsTruncated != true)
            {
                return keys;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    /// <summary>The keys of the store's blob objects.</summary>
    public async Task<List<string>> BlobKeysAsync() =>
        [.. (await ListObjectsAsync()).Where(k => k.StartsWith(Prefix + "blobs/", StringComparison.Ordinal))];

    public async ValueTask DisposeAsync()
    {
        PostgresProxy?.Dispose();
        S3Proxy?.Dispose();
        try
        {
            await using (var admin = await OpenAdminAsync())
            {
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync();
            }

            foreach (var key in await ListObjectsAsync())
            {
                await Client.Value.DeleteObjectAsync(Bucket, key);
            }
        }
        catch (Exception e) when (e is NpgsqlException or AmazonS3Exception)
        {
            // Clean-up is best effort: the servers are throwaway ones that ./test removes.
        }
    }

    private static readonly Lazy<AmazonS3Client> Client = new(() => S3Clients.Create(new S3BlobStoreOptions
    {
        ServiceUrl = S3Server(),
        Bucket = Bucket,
        ForcePathStyle = true,
        AccessKey = "S3RVER",
        SecretKey = "S3RVER",
    }));

    private static async Task EnsureBucketAsync()
    {
        try
        {
            await Client.Value.PutBucketAsync(Bucket);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }
    }

    private static async Task<NpgsqlConnection> OpenAdminAsync()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresServer()) { Pooling = false }.ToString());
        await connection.OpenAsync();
        return connection;
    }

    private static string PostgresServer() => Variable("ARTIFACTSTORE_TEST_POSTGRES", "tests/tools/postgres start DIR");

    private static string S3Server() => Variable("ARTIFACTSTORE_TEST_S3", "tests/tools/s3rver start DIR");

    private static string Variable(string name, string start) =>
        System.Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: the scale-out tests need the server it names. Run ./test, which starts one, or start one with '{start}' and export {name} with what it prints.");
}
