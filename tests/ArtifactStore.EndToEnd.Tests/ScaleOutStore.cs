using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;
using ArtifactStore.S3;
using Npgsql;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// An empty scale-out store for one test: a database of its own on the PostgreSQL server of
/// <c>ARTIFACTSTORE_TEST_POSTGRES</c> and a prefix of its own in a bucket of the S3 server of
/// <c>ARTIFACTSTORE_TEST_S3</c> (./test starts both), and a configuration file naming them. Disposing
/// drops the database and empties the prefix. Unset variables fail the test, saying how to set them.
/// </summary>
internal sealed class ScaleOutStore : IAsyncDisposable
{
    private const string Bucket = "artifactstore-e2e";

    private ScaleOutStore(string database, string prefix, string config)
    {
        Database = database;
        KeyPrefix = prefix;
        Config = config;
    }

    public string Database { get; }

    /// <summary>The store's key prefix in the bucket.</summary>
    public string KeyPrefix { get; }

    /// <summary>The configuration file: the other settings given to <see cref="CreateAsync"/> plus the <c>Store:*</c> keys.</summary>
    public string Config { get; }

    /// <param name="temp">Where the configuration file is written.</param>
    /// <param name="settings">Other configuration (JSON) the file carries, or null.</param>
    public static async Task<ScaleOutStore> CreateAsync(TempDirectory temp, string? settings = null)
    {
        var id = Guid.NewGuid().ToString("N")[..16];
        var database = "as_e2e_" + id;
        await using (var admin = await OpenAdminAsync())
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        using var client = Client();
        try
        {
            await client.PutBucketAsync(Bucket);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }

        var prefix = "e2e-" + id + "/";
        var json = (settings is null ? new JsonObject() : JsonNode.Parse(settings)!.AsObject());
        json["Store"] = new JsonObject
        {
            ["Backend"] = "scale-out",
            ["Postgres"] = new JsonObject { ["ConnectionString"] = new NpgsqlConnectionStringBuilder(Variable(PostgresVariable)) { Database = database }.ToString() },
            ["S3"] = new JsonObject
            {
                ["ServiceUrl"] = Variable(S3Variable),
                ["Bucket"] = Bucket,
                ["Prefix"] = prefix,
                ["ForcePathStyle"] = "true",
                ["AccessKey"] = "S3RVER",
                ["SecretKey"] = "S3RVER",
            },
        };
        var config = Path.Combine(temp.Path, $"scale-out-{id}.json");
        await File.WriteAllTextAsync(config, json.ToJsonString());
        return new ScaleOutStore(database, prefix, config);
    }

    /// <summary>Every blob object under the store's prefix.</summary>
    public async Task<IReadOnlyList<string>> BlobKeysAsync()
    {
        using var client = Client();
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = KeyPrefix + "blobs/" };
        while (true)
        {
            var page = await client.ListObjectsV2Async(request);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            if (page.IsTruncated != true)
            {
                return keys;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await using (var admin = await OpenAdminAsync())
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }

        using var client = Client();
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = KeyPrefix };
        while (true)
        {
            var page = await client.ListObjectsV2Async(request);
            foreach (var item in page.S3Objects ?? [])
            {
                await client.DeleteObjectAsync(Bucket, item.Key);
            }

            if (page.IsTruncated != true)
            {
                break;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    private const string PostgresVariable = "ARTIFACTSTORE_TEST_POSTGRES";
    private const string S3Variable = "ARTIFACTSTORE_TEST_S3";

    private static AmazonS3Client Client() => S3Clients.Create(new S3BlobStoreOptions
    {
        ServiceUrl = Variable(S3Variable),
        Bucket = Bucket,
        ForcePathStyle = true,
        AccessKey = "S3RVER",
        SecretKey = "S3RVER",
    });

    private static async Task<NpgsqlConnection> OpenAdminAsync()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Variable(PostgresVariable)) { Pooling = false }.ToString());
        await connection.OpenAsync();
        return connection;
    }

    private static string Variable(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{name} is not set: the scale-out tests need PostgreSQL and an S3 server. Run ./test, which starts both, or start them with " +
                "'tests/tools/postgres start DIR' and 'tests/tools/s3rver start DIR' and export ARTIFACTSTORE_TEST_POSTGRES and ARTIFACTSTORE_TEST_S3 with what they print.");
}
