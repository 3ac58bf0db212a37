using System.Text.Json;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Health;
using ArtifactStore.Core.Roots;
using ArtifactStore.Postgres;
using ArtifactStore.S3;

namespace ArtifactStore.ScaleOut;

/// <summary>
/// The lane check of the scale-out backend (docs/postgres.md, "Store identity"). A store's identity, its id
/// and its profile (lane), is kept twice: a row in the database (<c>store_identity</c>) and a marker object
/// in the bucket (<c>&lt;prefix&gt;store.json</c>). A replica uses a database and a bucket only when both
/// say the same store and both name the replica's own profile, so a replica of lane <c>eval</c> pointed at
/// prod's database, or at prod's bucket, is refused before it changes anything; so is a new database paired
/// with a bucket that already holds another store's blobs (its GC would take them all for orphans).
/// </summary>
internal static class StoreIdentity
{
    private sealed record Marker(string StoreId, string Profile);

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Why this database (identity <paramref name="database"/>, null when it has none yet) and this bucket may not serve <paramref name="profile"/>, or null.</summary>
    public static async Task<StoreError?> CheckBeforeOpenAsync(PostgresStoreIdentity? database, S3BlobStore blobs, string profile, CancellationToken cancellationToken)
    {
        if (database is not null && database.Profile != profile)
        {
            return LaneMismatch($"the PostgreSQL database (Store:Postgres:ConnectionString) holds store {database.StoreId} of profile '{database.Profile}', not '{profile}'");
        }

        var marker = await ReadMarkerAsync(blobs, cancellationToken);
        if (marker is null)
        {
            return null;
        }

        if (marker.Profile != profile)
        {
            return LaneMismatch($"the bucket (Store:S3:Bucket and Store:S3:Prefix) holds the blobs of store {marker.StoreId} of profile '{marker.Profile}', not '{profile}'");
        }

        if (database is null)
        {
            return LaneMismatch($"the bucket (Store:S3:Bucket and Store:S3:Prefix) already holds the blobs of store {marker.StoreId}, but the PostgreSQL database has no store yet; " +
                "point Store:S3:Prefix at an empty prefix for a new store, or Store:Postgres:ConnectionString at that store's database");
        }

        return marker.StoreId == database.StoreId
            ? null
            : LaneMismatch($"the bucket (Store:S3:Bucket and Store:S3:Prefix) holds the blobs of store {marker.StoreId}, but the PostgreSQL database holds store {database.StoreId}");
    }

    /// <summary>Writes the bucket's marker for <paramref name="identity"/> when the bucket has none yet.</summary>
    public static async Task EnsureMarkerAsync(PostgresStoreIdentity identity, S3BlobStore blobs, CancellationToken cancellationToken)
    {
        if (await ReadMarkerAsync(blobs, cancellationToken) is null)
        {
            // Replicas that start together may both write it: with the same text, from the one database row.
            await blobs.WriteMarkerAsync(JsonSerializer.Serialize(new Marker(identity.StoreId, identity.Profile), Json), cancellationToken);
        }
    }

    /// <summary>The readiness check <c>store_identity</c>: database and bucket still name one store of <paramref name="profile"/>.</summary>
    public static async Task<HealthCheck> CheckAsync(string connectionString, S3BlobStore blobs, string profile, CancellationToken cancellationToken)
    {
        PostgresStoreIdentity? database;
        try
        {
            database = await PostgresStoreIdentity.ReadAsync(connectionString, cancellationToken);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            return HealthCheck.Failed(HealthCheckNames.StoreIdentity, $"cannot read the store's identity from PostgreSQL: {e.Message}", "see the database check");
        }

        StoreError? problem;
        try
        {
            problem = database is null
                ? new StoreError(RootErrorCodes.ProfileMismatch, "the PostgreSQL database has no store identity (store_identity is empty)")
                : await CheckBeforeOpenAsync(database, blobs, profile, cancellationToken)
                    ?? (await ReadMarkerAsync(blobs, cancellationToken) is null ? new StoreError(RootErrorCodes.ProfileMismatch, "the bucket has no marker object (store.json)") : null);
        }
        catch (StorageUnavailableException e)
        {
            return HealthCheck.Failed(HealthCheckNames.StoreIdentity, $"cannot read the bucket's marker: {e.Message}", "see the blob_store check");
        }

        return problem is null
            ? HealthCheck.Ok(HealthCheckNames.StoreIdentity, $"database and bucket hold store {database!.StoreId} of profile '{profile}'")
            : HealthCheck.Failed(HealthCheckNames.StoreIdentity, problem.Message,
                "a replica serves only its own lane's database and bucket: correct Store:Postgres:ConnectionString, Store:S3:Bucket and Store:S3:Prefix (or --profile), then restart it");
    }

    private static async Task<Marker?> ReadMarkerAsync(S3BlobStore blobs, CancellationToken cancellationToken)
    {
        var text = await blobs.ReadMarkerAsync(cancellationToken);
        if (text is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<Marker>(text, Json) is { StoreId.Length: > 0, Profile.Length: > 0 } marker
                ? marker
                : new Marker("(unreadable)", "(unreadable)");
        }
        catch (JsonException)
        {
            // A marker that cannot be read names no lane: nothing may be assumed about whose blobs these are.
            return new Marker("(unreadable)", "(unreadable)");
        }
    }

    private static StoreError LaneMismatch(string what) =>
        new(RootErrorCodes.ProfileMismatch, $"{what}; lanes never mix, so this replica refuses to use them. " +
            "Correct Store:Postgres:ConnectionString, Store:S3:Bucket and Store:S3:Prefix to name this lane's store (or start with the matching --profile)");
}
