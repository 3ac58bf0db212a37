using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Oci;
using ArtifactStore.Core.Storage;
using ArtifactStore.Core.Time;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

/// <summary>
/// Applies one event to the views. The same code runs for live writes (in the event's own
/// transaction) and for replay, which is what makes rebuilt views equal to live ones.
/// </summary>
internal static class SqliteProjector
{
    /// <summary>Applies <paramref name="record"/>, decoding its payload (replay, copied events).</summary>
    public static void Apply(SqliteConnection connection, SqliteTransaction transaction, EventRecord record) =>
        Apply(connection, transaction, record, (CborMap)Cbor.Decode(record.Payload), knownBlobRows: null);

    /// <summary>
    /// Applies <paramref name="record"/> whose payload is <paramref name="payload"/>: a live write passes the map it
    /// has just encoded instead of decoding the bytes again (the same map: canonical CBOR round-trips it, and the
    /// event types read their fields by key). <paramref name="knownBlobRows"/>, when given, are blob rows the unit
    /// of work read since its last event and has not changed since (<see cref="SqliteStoreWriter"/>): a package's
    /// reference then updates the row it already has instead of reading it a second time.
    /// </summary>
    public static void Apply(SqliteConnection connection, SqliteTransaction transaction, EventRecord record, CborMap payload, IReadOnlyDictionary<BlobDigest, BlobRow?>? knownBlobRows)
    {
        switch (record.Type)
        {
            case EventTypes.PackageCreated:
                ApplyPackageCreated(connection, transaction, record, PackageCreated.FromCbor(payload), knownBlobRows);
                break;
            case EventTypes.RetentionDefaultApplied:
                ApplyDefaultRetention(connection, transaction, RetentionDefaultApplied.FromCbor(payload));
                break;
            case var type when type.StartsWith("v1.job.", StringComparison.Ordinal):
                SqliteJobProjector.Apply(connection, transaction, record, payload);
                break;
            default:
                SqliteRetentionProjector.Apply(connection, transaction, record, payload);
                break;
        }
    }

    private static void ApplyPackageCreated(SqliteConnection connection, SqliteTransaction transaction, EventRecord record, PackageCreated created, IReadOnlyDictionary<BlobDigest, BlobRow?>? knownBlobRows)
    {
        var id = created.PackageId.ToString();
        Execute(connection, transaction, """
            INSERT INTO packages (id, name, state, created_at, created_by, manifest_sha256, manifest_size)
            VALUES ($id, $name, 'live', $at, $by, $manifest, $manifest_size)
            """,
            ("$id", id), ("$name", created.Name), ("$at", Rfc3339.ToText(record.OccurredAt)), ("$by", record.Actor),
            ("$manifest", created.ManifestDigest.Hex), ("$manifest_size", created.ManifestSize));

        foreach (var file in created.Files)
        {
            Execute(connection, transaction, """
                INSERT INTO package_files (package_id, path, size, sha256, blake3, media_type)
                VALUES ($id, $path, $size, $sha, $blake3, $media)
                """,
                ("$id", id), ("$path", file.Path), ("$size", file.Size), ("$sha", file.Sha256.Hex),
                ("$blake3", file.Blake3Hex), ("$media", file.MediaType));
        }

        foreach (var (key, value) in created.Labels)
        {
            Execute(connection, transaction, "INSERT INTO package_labels (package_id, key, value) VALUES ($id, $key, $value)",
                ("$id", id), ("$key", key), ("$value", value));
        }

        // A manifest pushed through /v2/: the registry's tag and catalog views (docs/oci.md, "Tag and catalog views").
        if (OciViewEntry.Of(created) is { } manifest)
        {
            Execute(connection, transaction, OciViewSql.ManifestCreated, ("@repository", manifest.Repository));
            if (manifest.Tag is { } tag)
            {
                Execute(connection, transaction, OciViewSql.TagPushed, ("@repository", manifest.Repository), ("@tag", tag), ("@id", id));
            }
        }

        // One reference per package per distinct blob, the manifest included; the counting and
        // resurrection rules are Core's (BlobAccounting, docs/gc.md).
        var blobs = created.Files
            .Select(f => (f.Sha256, f.Blake3Hex, f.Size))
            .Append((created.ManifestDigest, created.ManifestBlake3Hex, created.ManifestSize))
            .DistinctBy(b => b.Item1);
        foreach (var (digest, blake3, size) in blobs)
        {
            SqliteBlobRows.AddReference(connection, transaction, digest, blake3, size, knownBlobRows);
        }
    }

    private static void ApplyDefaultRetention(SqliteConnection connection, SqliteTransaction transaction, RetentionDefaultApplied applied) =>
        Execute(connection, transaction, "UPDATE packages SET retention_class = $class, expires_at = $expires WHERE id = $id",
            ("$id", applied.PackageId.ToString()), ("$class", applied.RetentionClass),
            ("$expires", applied.ExpiresAt is { } at ? Rfc3339.ToText(at) : null));

    internal static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql, params (string Name, object? Value)[] parameters) =>
        SqliteStatements.Execute(connection, transaction, sql, parameters);
}
