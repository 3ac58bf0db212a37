using Npgsql;

namespace ArtifactStore.Postgres;

/// <summary>The store's identity as the database keeps it: its id and the profile (lane) it belongs to.</summary>
public sealed record PostgresStoreIdentity(string StoreId, string Profile)
{
    /// <summary>
    /// The identity recorded in the database, read without changing anything; null when the database has
    /// none yet (empty, or created before identities were kept).
    /// </summary>
    public static async Task<PostgresStoreIdentity?> ReadAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresStoreDatabase.WithServerDefaults(connectionString)) { Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        if (await Sql.ScalarAsync(connection, null, "SELECT to_regclass('store_identity') IS NOT NULL", cancellationToken) is not true)
        {
            return null;
        }

        var rows = await Sql.QueryAsync(connection, null, "SELECT store_id, profile FROM store_identity",
            r => new PostgresStoreIdentity(r.GetString(0), r.GetString(1)), cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>
    /// Records <paramref name="proposed"/> as the identity when the database has none, and returns the
    /// identity it has afterwards: the proposed one, or the one another process recorded first.
    /// </summary>
    public static async Task<PostgresStoreIdentity> ClaimAsync(string connectionString, PostgresStoreIdentity proposed, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresStoreDatabase.WithServerDefaults(connectionString)) { Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        await Sql.ExecuteAsync(connection, null,
            "INSERT INTO store_identity (store_id, profile, created_at) VALUES (@id, @profile, @at) ON CONFLICT (singleton) DO NOTHING",
            cancellationToken, ("id", proposed.StoreId), ("profile", proposed.Profile), ("at", Sql.Text(now)));
        var rows = await Sql.QueryAsync(connection, null, "SELECT store_id, profile FROM store_identity",
            r => new PostgresStoreIdentity(r.GetString(0), r.GetString(1)), cancellationToken);
        return rows[0];
    }
}
