using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Storage;
using Npgsql;

namespace ArtifactStore.Postgres;

/// <summary>The <c>blobs</c> view: rows read and written by Core's GC rules (<see cref="BlobAccounting"/>).</summary>
internal static class PostgresBlobRows
{
    public const string Columns = "sha256, blake3, size, refcount, state, condemned_at";

    public static async Task<BlobRow?> GetAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, BlobDigest digest, CancellationToken cancellationToken) =>
        (await Sql.QueryAsync(connection, transaction, $"SELECT {Columns} FROM blobs WHERE sha256 = @sha", Read, cancellationToken, ("sha", digest.Hex)))
            .FirstOrDefault();

    public static BlobRow Read(NpgsqlDataReader reader) => new(
        BlobDigest.Parse(reader.GetString(0)),
        reader.GetString(1),
        reader.GetInt64(2),
        reader.GetInt64(3),
        BlobStates.Parse(reader.GetString(4)),
        Sql.Time(reader, 5));

    /// <summary>A package created references the blob: the row after Core's rule (<see cref="BlobAccounting.Referenced"/>).</summary>
    public static async Task AddReferenceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BlobDigest digest, string blake3, long size, CancellationToken cancellationToken) =>
        await StoreAsync(connection, transaction, digest,
            BlobAccounting.Referenced(await GetAsync(connection, transaction, digest, cancellationToken), digest, blake3, size), cancellationToken);

    /// <summary>A deleted package gives up its reference: the row after Core's rule (<see cref="BlobAccounting.Released"/>).</summary>
    public static async Task ReleaseReferenceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BlobDigest digest, DateTimeOffset at, CancellationToken cancellationToken) =>
        await StoreAsync(connection, transaction, digest,
            BlobAccounting.Released(await GetAsync(connection, transaction, digest, cancellationToken), at), cancellationToken);

    /// <summary>An upload put a condemned blob's bytes again: the row after Core's rule (<see cref="BlobAccounting.Revived"/>).</summary>
    public static async Task ReviveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BlobDigest digest, DateTimeOffset at, CancellationToken cancellationToken) =>
        await StoreAsync(connection, transaction, digest,
            BlobAccounting.Revived(await GetAsync(connection, transaction, digest, cancellationToken), at), cancellationToken);

    /// <summary>The blob was reaped: the row after Core's rule (<see cref="BlobAccounting.Reaped"/>).</summary>
    public static async Task ReapAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BlobDigest digest, CancellationToken cancellationToken) =>
        await StoreAsync(connection, transaction, digest,
            BlobAccounting.Reaped(await GetAsync(connection, transaction, digest, cancellationToken)), cancellationToken);

    public static Task SetStateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BlobDigest digest, BlobState state, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection, transaction, "UPDATE blobs SET state = @state WHERE sha256 = @sha", cancellationToken,
            ("state", BlobStates.ToText(state)), ("sha", digest.Hex));

    /// <summary>Stores what a GC rule returned for the blob: the new row, or no row at all (null).</summary>
    private static Task<int> StoreAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BlobDigest digest, BlobRow? row, CancellationToken cancellationToken) =>
        row is null
            ? Sql.ExecuteAsync(connection, transaction, "DELETE FROM blobs WHERE sha256 = @sha", cancellationToken, ("sha", digest.Hex))
            : Sql.ExecuteAsync(connection, transaction, $"""
                INSERT INTO blobs ({Columns}) VALUES (@sha, @blake3, @size, @refcount, @state, @condemned_at)
                ON CONFLICT (sha256) DO UPDATE SET blake3 = @blake3, size = @size, refcount = @refcount, state = @state, condemned_at = @condemned_at
                """,
                cancellationToken,
                ("sha", row.Digest.Hex), ("blake3", row.Blake3Hex), ("size", row.Size), ("refcount", row.RefCount),
                ("state", BlobStates.ToText(row.State)), ("condemned_at", Sql.Text(row.CondemnedAt)));
}
