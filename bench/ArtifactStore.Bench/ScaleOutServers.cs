using Amazon.S3;
using ArtifactStore.S3;
using Npgsql;

namespace ArtifactStore.Bench;

/// <summary>
/// A throwaway PostgreSQL cluster and s3rver for one benchmark run, started and stopped with the same
/// scripts the tests use (tests/tools/postgres and tests/tools/s3rver), each in a directory of its own
/// that is removed afterwards. <see cref="CreateStoreAsync"/> gives every scale-out store its own database
/// and key prefix, so stores measured in the same run never share state.
/// </summary>
internal sealed class ScaleOutServers : IAsyncDisposable
{
    public const string Bucket = "artifactstore-bench";
    private const string S3Key = "S3RVER";

    private readonly string _repository;
    private readonly string _postgresDirectory;
    private readonly string _s3Directory;
    private bool _postgresStarted;
    private bool _s3Started;

    private ScaleOutServers(string repository, string postgresDirectory, string s3Directory)
    {
        _repository = repository;
        _postgresDirectory = postgresDirectory;
        _s3Directory = s3Directory;
    }

    /// <summary>The server's connection string (database <c>postgres</c>), as tests/tools/postgres prints it.</summary>
    public string PostgresUrl { get; private set; } = "";

    /// <summary>The s3rver endpoint, as tests/tools/s3rver prints it.</summary>
    public string S3Url { get; private set; } = "";

    public static async Task<ScaleOutServers> StartAsync(string work)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the scale-out benchmark starts its servers with the Linux scripts in tests/tools");
        }

        var postgres = Path.Combine(work, "postgres");
        var s3 = Path.Combine(work, "s3");
        Directory.CreateDirectory(postgres);
        Directory.CreateDirectory(s3);
        // The cluster belongs to the 'postgres' user, which must be able to reach its directory.
        const UnixFileMode worldReadable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(work, worldReadable);
        File.SetUnixFileMode(postgres, worldReadable);
        var servers = new ScaleOutServers(BenchServer.FindRepositoryRoot(), postgres, s3);
        try
        {
            servers.PostgresUrl = await servers.ToolAsync("postgres", "start", postgres);
            servers._postgresStarted = true;
            servers.S3Url = await servers.ToolAsync("s3rver", "start", s3);
            servers._s3Started = true;
            using var client = servers.CreateS3Client();
            await client.PutBucketAsync(Bucket);
            return servers;
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client of the same s3rver with the same settings the store's adapter uses (docs/s3.md).</summary>
    public AmazonS3Client CreateS3Client() => S3Clients.Create(new S3BlobStoreOptions
    {
        ServiceUrl = S3Url,
        Bucket = Bucket,
        ForcePathStyle = true,
        AccessKey = S3Key,
        SecretKey = S3Key,
        // One large PutObject takes longer than the adapter's per-request default on a busy machine.
        RequestTimeout = TimeSpan.FromMinutes(10),
    });

    /// <summary>
    /// A new, empty scale-out store: a database of its own and a key prefix of its own. Returns the environment a
    /// replica of it is started with (the form operators use; the schema is created on first start).
    /// </summary>
    public async Task<Dictionary<string, string>> CreateStoreAsync(string name)
    {
        await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresUrl) { Pooling = false }.ToString()))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"bench_{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        return new Dictionary<string, string>
        {
            ["ARTIFACTSTORE_STORE__BACKEND"] = "scale-out",
            ["ARTIFACTSTORE_STORE__POSTGRES__CONNECTIONSTRING"] = new NpgsqlConnectionStringBuilder(PostgresUrl) { Database = $"bench_{name}" }.ToString(),
            ["ARTIFACTSTORE_STORE__S3__SERVICEURL"] = S3Url,
            ["ARTIFACTSTORE_STORE__S3__BUCKET"] = Bucket,
            ["ARTIFACTSTORE_STORE__S3__PREFIX"] = name + "/",
            ["ARTIFACTSTORE_STORE__S3__FORCEPATHSTYLE"] = "true",
            ["AWS_ACCESS_KEY_ID"] = S3Key,
            ["AWS_SECRET_ACCESS_KEY"] = S3Key,
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (_s3Started)
        {
            await ToolAsync("s3rver", "stop", _s3Directory);
        }

        if (_postgresStarted)
        {
            await ToolAsync("postgres", "stop", _postgresDirectory);
        }
    }

    private Task<string> ToolAsync(string tool, string command, string directory) => TestTools.RunAsync(_repository, tool, command, directory);
}
