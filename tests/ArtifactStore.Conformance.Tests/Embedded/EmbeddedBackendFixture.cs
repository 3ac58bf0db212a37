using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Sqlite;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Conformance.Tests.Embedded;

/// <summary>The embedded backend (SQLite database, filesystem blobs) on a data root in a temporary directory.</summary>
public sealed class EmbeddedBackendFixture : StoreBackendFixture
{
    public override string Name => "embedded";

    public override async Task<TestBackend> OpenAsync(string directory, TimeProvider time, CancellationToken cancellationToken) =>
        new EmbeddedBackend(await EmbeddedStore.OpenAsync(directory, time));

    public override async Task ExecuteSqlAsync(string directory, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "db", SqliteStoreDatabase.FileName)};Pooling=False");
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
