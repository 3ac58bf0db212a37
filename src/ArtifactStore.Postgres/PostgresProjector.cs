using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Oci;
using ArtifactStore.Core.Time;
using Npgsql;

namespace ArtifactStore.Postgres;

/// <summary>
/// Applies one event to the views. The same code runs for live writes (in the event's own transaction)
/// and for replay, which is what makes rebuilt views equal to live ones. The events are decoded and the
/// blob accounting decided by Core, as in the embedded adapter; only the SQL is this database's.
/// Unqualified table names: a snapshot's replay resolves them to its temporary tables.
/// </summary>
internal static class PostgresProjector
{
    public static async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EventRecord record, CancellationToken cancellationToken)
    {
        var payload = (CborMap)Cbor.Decode(record.Payload);
        var project = new Projection(connection, transaction, record, cancellationToken);
        switch (record.Type)
        {
            case EventTypes.PackageCreated:
                await project.PackageCreatedAsync(PackageCreated.FromCbor(payload));
                break;
            case EventTypes.RetentionDefaultApplied:
                var applied = RetentionDefaultApplied.FromCbor(payload);
                await project.ExecuteAsync("UPDATE packages SET retention_class = @class, expires_at = @expires WHERE id = @id",
                    ("id", applied.PackageId.ToString()), ("class", applied.RetentionClass), ("expires", Sql.Text(applied.ExpiresAt)));
                break;
            case var type when type.StartsWith("v1.job.", StringComparison.Ordinal):
                await PostgresJobProjector.ApplyAsync(project, payload);
                break;
            default:
                await project.RetentionAsync(payload);
                break;
        }
    }

    /// <summary>One event being applied: where to write it, and the statements every event type shares.</summary>
    internal sealed class Projection(NpgsqlConnection connection, NpgsqlTransaction transaction, EventRecord record, CancellationToken cancellationToken)
    {
        public EventRecord Record => record;

        public string At { get; } = Rfc3339.ToText(record.OccurredAt);

        public Task<int> ExecuteAsync(string sql, params (string Name, object? Value)[] parameters) =>
            Sql.ExecuteAsync(connection, transaction, sql, cancellationToken, parameters);

        public async Task PackageCreatedAsync(PackageCreated created)
        {
            var id = created.PackageId.ToString();
            await ExecuteAsync("""
                INSERT INTO packages (id, name, state, created_at, created_by, manifest_sha256, manifest_size)
                VALUES (@id, @name, 'live', @at, @by, @manifest, @manifest_size)
                """,
                ("id", id), ("name", created.Name), ("at", At), ("by", record.Actor),
                ("manifest", created.ManifestDigest.Hex), ("manifest_size", created.ManifestSize));

            foreach (var file in created.Files)
            {
                await ExecuteAsync("""
                    INSERT INTO package_files (package_id, path, size, sha256, blake3, media_type)
                    VALUES (@id, @path, @size, @sha, @blake3, @media)
                    """,
                    ("id", id), ("path", file.Path), ("size", file.Size), ("sha", file.Sha256.Hex),
                    ("blake3", file.Blake3Hex), ("media", file.MediaType));
            }

            foreach (var (key, value) in created.Labels)
            {
                await ExecuteAsync("INSERT INTO package_labels (package_id, key, value) VALUES (@id, @key, @value)",
                    ("id", id), ("key", key), ("value", value));
            }

            // A manifest pushed through /v2/: the registry's tag and catalog views (docs/oci.md, "Tag and catalog views").
            if (OciViewEntry.Of(created) is { } manifest)
            {
                await ExecuteAsync(OciViewSql.ManifestCreated, ("repository", manifest.Repository));
                if (manifest.Tag is { } tag)
                {
                    await ExecuteAsync(OciViewSql.TagPushed, ("repository", manifest.Repository), ("tag", tag), ("id", id));
                }
            }

            // One reference per package per distinct blob, the manifest included (BlobAccounting, docs/gc.md).
            var blobs = created.Files
                .Select(f => (f.Sha256, f.Blake3Hex, f.Size))
                .Append((created.ManifestDigest, created.ManifestBlake3Hex, created.ManifestSize))
                .DistinctBy(b => b.Item1);
            foreach (var (digest, blake3, size) in blobs)
            {
                await PostgresBlobRows.AddReferenceAsync(connection, transaction, digest, blake3, size, cancellationToken);
            }
        }

        /// <summary>Retention, deletion, reaping and token events.</summary>
        public async Task RetentionAsync(CborMap payload)
        {
            switch (record.Type)
            {
                case EventTypes.RetentionExtended:
                    var extended = RetentionExtended.FromCbor(payload);
                    await ExecuteAsync("UPDATE packages SET expires_at = @expires WHERE id = @id",
                        ("id", extended.PackageId.ToString()), ("expires", Rfc3339.ToText(extended.NewExpiresAt)));
                    break;
                case EventTypes.HoldApplied:
                    var applied = HoldChanged.FromCbor(payload);
                    await ExecuteAsync("INSERT INTO holds (hold_id, package_id, reason, actor, applied_at) VALUES (@hold, @id, @reason, @actor, @at)",
                        ("hold", applied.HoldId), ("id", applied.PackageId.ToString()), ("reason", applied.Reason), ("actor", record.Actor), ("at", At));
                    break;
                case EventTypes.HoldReleased:
                    var released = HoldChanged.FromCbor(payload);
                    await ExecuteAsync("UPDATE holds SET released_at = @at, released_by = @actor, release_reason = @reason WHERE hold_id = @hold",
                        ("hold", released.HoldId), ("reason", released.Reason), ("actor", record.Actor), ("at", At));
                    break;
                case EventTypes.Pinned or EventTypes.Unpinned:
                    await ExecuteAsync("UPDATE packages SET pinned = @pinned WHERE id = @id",
                        ("id", PinChanged.FromCbor(payload).PackageId.ToString()), ("pinned", record.Type == EventTypes.Pinned ? 1 : 0));
                    break;
                case EventTypes.DeletionEligible or EventTypes.DeletionIneligible:
                    await ExecuteAsync("UPDATE packages SET eligible = @eligible WHERE id = @id",
                        ("id", EligibilityChanged.FromCbor(payload).PackageId.ToString()), ("eligible", record.Type == EventTypes.DeletionEligible ? 1 : 0));
                    break;
                case EventTypes.PackageDeleted:
                    await PackageDeletedAsync(PackageDeleted.FromCbor(payload));
                    break;
                case EventTypes.TombstonePurged:
                    var purged = TombstonePurged.FromCbor(payload).PackageId.ToString();
                    foreach (var table in new[] { "package_files", "package_labels", "holds", "packages" })
                    {
                        await ExecuteAsync($"DELETE FROM {table} WHERE {(table == "packages" ? "id" : "package_id")} = @id", ("id", purged));
                    }

                    await ExecuteAsync(OciViewSql.TagTargetPurged, ("id", purged));
                    await ExecuteAsync(OciViewSql.TagRetargeted, ("id", purged));

                    break;
                case EventTypes.BlobReaped:
                    await PostgresBlobRows.ReapAsync(connection, transaction, BlobReaped.FromCbor(payload).Digest, cancellationToken);
                    break;
                case EventTypes.BlobRevived:
                    await PostgresBlobRows.ReviveAsync(connection, transaction, BlobRevived.FromCbor(payload).Digest, record.OccurredAt, cancellationToken);
                    break;
                case EventTypes.TokenCreated:
                    var token = TokenCreated.FromCbor(payload);
                    await ExecuteAsync("""
                        INSERT INTO tokens (token_id, name, role, sha256, created_at, created_by)
                        VALUES (@id, @name, @role, @sha, @at, @by)
                        """,
                        ("id", token.TokenId), ("name", token.Name), ("role", token.Role), ("sha", token.SecretSha256), ("at", At), ("by", record.Actor));
                    break;
                case EventTypes.TokenRevoked:
                    await ExecuteAsync("UPDATE tokens SET revoked_at = @at, revoked_by = @by WHERE token_id = @id",
                        ("id", TokenRevoked.FromCbor(payload).TokenId), ("at", At), ("by", record.Actor));
                    break;
                case EventTypes.StoreRestored:
                    // History only: the views of a restored store are the backup's, replayed.
                    break;
                default:
                    throw UnknownType();
            }
        }

        public InvalidDataException UnknownType() =>
            new($"event {record.Seq} has type '{record.Type}', which this binary does not know; run a newer artifactstore");

        private async Task PackageDeletedAsync(PackageDeleted deleted)
        {
            var id = deleted.PackageId.ToString();
            await ExecuteAsync(OciViewSql.ManifestDeleting, ("id", id));
            await ExecuteAsync(OciViewSql.RepositoryEmptied, ("id", id));
            await ExecuteAsync("""
                UPDATE packages SET state = 'deleted', eligible = 0, deleted_at = @at, delete_reason = @reason, bytes_released = @bytes
                WHERE id = @id
                """,
                ("id", id), ("at", At), ("reason", deleted.Reason), ("bytes", deleted.BytesReleased));

            // Each distinct blob of the package (manifest included) loses this package's reference.
            var digests = await Sql.QueryAsync(connection, transaction, """
                SELECT sha256 FROM package_files WHERE package_id = @id
                UNION SELECT manifest_sha256 FROM packages WHERE id = @id
                """, r => r.GetString(0), cancellationToken, ("id", id));
            foreach (var digest in digests)
            {
                await PostgresBlobRows.ReleaseReferenceAsync(connection, transaction, BlobDigest.Parse(digest), record.OccurredAt, cancellationToken);
            }
        }
    }
}
