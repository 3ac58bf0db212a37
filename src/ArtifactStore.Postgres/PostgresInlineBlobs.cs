using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Time;
using Npgsql;

namespace ArtifactStore.Postgres;

/// <summary>The <c>inline_blobs</c> table (docs/upload.md, "Small blobs"): read by the views and snapshots, written by units of work.</summary>
internal static class PostgresInlineBlobs
{
    /// <summary>The first schema version that has the table.</summary>
    public const int SinceSchemaVersion = 4;

    public static async Task<InlineBlob?> GetAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, BlobDigest digest, CancellationToken cancellationToken, string table = "inline_blobs") =>
        (await Sql.QueryAsync(connection, transaction, $"SELECT bytes, stored_at FROM {table} WHERE sha256 = @sha",
            r => new InlineBlob((byte[])r.GetValue(0), Rfc3339.Parse(r.GetString(1))), cancellationToken, ("sha", digest.Hex))).FirstOrDefault();

    public static async Task<IReadOnlyList<BlobDigest>> ListAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, BlobDigest? after, int limit, CancellationToken cancellationToken, string table = "inline_blobs") =>
        await Sql.QueryAsync(connection, transaction, $"SELECT sha256 FROM {table} WHERE sha256 > @after ORDER BY sha256 LIMIT @limit",
            r => BlobDigest.Parse(r.GetString(0)), cancellationToken, ("after", after?.Hex ?? string.Empty), ("limit", limit));

    public static Task PutAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, StagedBlob blob, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var bytes = blob.InlineBytes ?? throw new ArgumentException($"blob {blob.Digest} is not staged inline", nameof(blob));
        return Sql.ExecuteAsync(connection, transaction,
            "INSERT INTO inline_blobs (sha256, size, bytes, stored_at) VALUES (@sha, @size, @bytes, @at) ON CONFLICT (sha256) DO NOTHING",
            cancellationToken, ("sha", blob.Digest.Hex), ("size", (long)bytes.Length), ("bytes", bytes), ("at", Rfc3339.ToText(now)));
    }

    public static async Task<long?> DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BlobDigest digest, CancellationToken cancellationToken) =>
        await Sql.ScalarAsync(connection, transaction, "DELETE FROM inline_blobs WHERE sha256 = @sha RETURNING size", cancellationToken, ("sha", digest.Hex)) is long size
            ? size
            : null;
}
