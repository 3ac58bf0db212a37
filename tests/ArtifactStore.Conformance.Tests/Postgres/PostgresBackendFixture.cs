using System.Security.Cryptography;
using System.Text;
using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Embedded;
using ArtifactStore.FileSystem;
using ArtifactStore.Postgres;
using Npgsql;

namespace ArtifactStore.Conformance.Tests.Postgres;

/// <summary>
/// The PostgreSQL database adapter, with blobs and job logs as files under the test's directory (the blob
/// port has its own suite; PostgresS3/ pairs this database with S3 blobs). Each test store gets a database of its own on the server that
/// <see cref="ServerVariable"/> names, created on first open and dropped by <see cref="DeleteAsync"/>.
/// </summary>
public sealed class PostgresBackendFixture : StoreBackendFixture
{
    /// <summary>An Npgsql connection string to a server where the role may create databases; ./test starts one and sets it.</summary>
    public const string ServerVariable = "ARTIFACTSTORE_TEST_POSTGRES";

    public override string Name => "postgres";

    public override async Task<TestBackend> OpenAsync(string directory, TimeProvider time, CancellationToken cancellationToken)
    {
        var connectionString = await EnsureDatabaseAsync(directory, cancellationToken);
        var database = new PostgresStoreDatabase(connectionString, time);
        try
        {
            await database.InitializeAsync(cancellationToken);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }

        var temp = Path.Combine(directory, "tmp");
        var blobs = new FileSystemBlobStore(Path.Combine(directory, "blobs"), temp);
        return new PostgresBackend(database, blobs, new FileJobLogStore(Path.Combine(directory, "jobs")), temp);
    }

    public override async Task ExecuteSqlAsync(string directory, string sql, CancellationToken cancellationToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await EnsureDatabaseAsync(directory, cancellationToken)) { Pooling = false }.ToString();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async Task DeleteAsync(string directory, CancellationToken cancellationToken)
    {
        await using (var admin = await OpenAdminAsync(cancellationToken))
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{DatabaseName(directory)}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }

        await base.DeleteAsync(directory, cancellationToken);
    }

    /// <summary>The database of the store kept for <paramref name="directory"/>: the same name on every open, so that reopening is a restart.</summary>
    private static string DatabaseName(string directory) =>
        "as_conf_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(directory))))[..24];

    internal static async Task<string> EnsureDatabaseAsync(string directory, CancellationToken cancellationToken)
    {
        var name = DatabaseName(directory);
        await using (var admin = await OpenAdminAsync(cancellationToken))
        {
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", admin);
            exists.Parameters.AddWithValue("name", name);
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        return new NpgsqlConnectionStringBuilder(Server()) { Database = name }.ToString();
    }

    private static async Task<NpgsqlConnection> OpenAdminAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Server()) { Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>The server to test on. Unset is a failure, never a skip: the PostgreSQL adapter must not go untested.</summary>
    private static string Server() =>
        Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{ServerVariable} is not set: the PostgreSQL conformance tests need a server. Run ./test, which starts one, or start one with " +
                $"'tests/tools/postgres start DIR' and export {ServerVariable} with the connection string it prints.");
}
