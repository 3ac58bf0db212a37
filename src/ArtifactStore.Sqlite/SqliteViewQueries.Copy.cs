using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Idempotency;
using ArtifactStore.Core.Storage;
using ArtifactStore.Core.Time;

namespace ArtifactStore.Sqlite;

/// <summary>The reads copy-store makes of a whole store (docs/recovery.md, "copy-store").</summary>
internal sealed partial class SqliteViewQueries
{
    public async Task<IReadOnlyList<BlobRow>> ListBlobsAsync(BlobDigest? after, int limit, CancellationToken cancellationToken)
    {
        var digests = await Query("SELECT sha256 FROM blobs WHERE sha256 > $after ORDER BY sha256 LIMIT $limit",
            r => BlobDigest.Parse(r.GetString(0)), ("$after", after?.Hex ?? string.Empty), ("$limit", limit));
        using var connection = openReader();
        return digests.Select(d => SqliteBlobRows.Get(connection, null, d)).OfType<BlobRow>().ToList();
    }

    public Task<InlineBlob?> GetInlineBlobAsync(BlobDigest digest, CancellationToken cancellationToken)
    {
        using var connection = openReader();
        return Task.FromResult(SqliteInlineBlobs.Get(connection, null, digest));
    }

    public Task<IReadOnlyList<BlobDigest>> ListInlineBlobsAsync(BlobDigest? after, int limit, CancellationToken cancellationToken)
    {
        using var connection = openReader();
        return Task.FromResult(SqliteInlineBlobs.List(connection, null, after, limit));
    }

    public Task<IReadOnlyList<IdempotencyRecord>> ListCompletedIdempotencyAsync(CancellationToken cancellationToken) =>
        Query("""
            SELECT scope, key, operation, fingerprint, resource_id, created_at, expires_at FROM idempotency
            WHERE state = 'completed' ORDER BY scope, key
            """,
            r => new IdempotencyRecord(
                r.GetString(0),
                r.GetString(1),
                r.GetString(2),
                IdempotencyState.Completed,
                r.IsDBNull(3) ? null : r.GetString(3),
                r.IsDBNull(4) ? null : r.GetString(4),
                Rfc3339.Parse(r.GetString(5)),
                Rfc3339.Parse(r.GetString(6))));
}
