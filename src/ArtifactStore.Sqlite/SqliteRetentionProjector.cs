using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Oci;
using ArtifactStore.Core.Time;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

/// <summary>The views' side of retention, deletion, reaping and token events (see <see cref="SqliteProjector"/>).</summary>
internal static class SqliteRetentionProjector
{
    public static void Apply(SqliteConnection connection, SqliteTransaction transaction, EventRecord record, CborMap payload)
    {
        var at = Rfc3339.ToText(record.OccurredAt);
        switch (record.Type)
        {
            case EventTypes.RetentionExtended:
                var extended = RetentionExtended.FromCbor(payload);
                Execute("UPDATE packages SET expires_at = $expires WHERE id = $id",
                    ("$id", extended.PackageId.ToString()), ("$expires", Rfc3339.ToText(extended.NewExpiresAt)));
                break;
            case EventTypes.HoldApplied:
                var applied = HoldChanged.FromCbor(payload);
                Execute("INSERT INTO holds (hold_id, package_id, reason, actor, applied_at) VALUES ($hold, $id, $reason, $actor, $at)",
                    ("$hold", applied.HoldId), ("$id", applied.PackageId.ToString()), ("$reason", applied.Reason), ("$actor", record.Actor), ("$at", at));
                break;
            case EventTypes.HoldReleased:
                var released = HoldChanged.FromCbor(payload);
                Execute("UPDATE holds SET released_at = $at, released_by = $actor, release_reason = $reason WHERE hold_id = $hold",
                    ("$hold", released.HoldId), ("$reason", released.Reason), ("$actor", record.Actor), ("$at", at));
                break;
            case EventTypes.Pinned or EventTypes.Unpinned:
                Execute("UPDATE packages SET pinned = $pinned WHERE id = $id",
                    ("$id", PinChanged.FromCbor(payload).PackageId.ToString()), ("$pinned", record.Type == EventTypes.Pinned ? 1 : 0));
                break;
            case EventTypes.DeletionEligible or EventTypes.DeletionIneligible:
                Execute("UPDATE packages SET eligible = $eligible WHERE id = $id",
                    ("$id", EligibilityChanged.FromCbor(payload).PackageId.ToString()), ("$eligible", record.Type == EventTypes.DeletionEligible ? 1 : 0));
                break;
            case EventTypes.PackageDeleted:
                ApplyDeleted(connection, transaction, record, PackageDeleted.FromCbor(payload));
                break;
            case EventTypes.TombstonePurged:
                var purged = TombstonePurged.FromCbor(payload).PackageId.ToString();
                foreach (var table in new[] { "package_files", "package_labels", "holds" })
                {
                    Execute($"DELETE FROM {table} WHERE package_id = $id", ("$id", purged));
                }

                Execute("DELETE FROM packages WHERE id = $id", ("$id", purged));
                Execute(OciViewSql.TagTargetPurged, ("@id", purged));
                Execute(OciViewSql.TagRetargeted, ("@id", purged));
                break;
            case EventTypes.BlobReaped:
                SqliteBlobRows.Reap(connection, transaction, BlobReaped.FromCbor(payload).Digest);
                break;
            case EventTypes.BlobRevived:
                SqliteBlobRows.Revive(connection, transaction, BlobRevived.FromCbor(payload).Digest, record.OccurredAt);
                break;
            case EventTypes.TokenCreated:
                var token = TokenCreated.FromCbor(payload);
                Execute("""
                    INSERT INTO tokens (token_id, name, role, sha256, created_at, created_by)
                    VALUES ($id, $name, $role, $sha, $at, $by)
                    """,
                    ("$id", token.TokenId), ("$name", token.Name), ("$role", token.Role), ("$sha", token.SecretSha256), ("$at", at), ("$by", record.Actor));
                break;
            case EventTypes.TokenRevoked:
                Execute("UPDATE tokens SET revoked_at = $at, revoked_by = $by WHERE token_id = $id",
                    ("$id", TokenRevoked.FromCbor(payload).TokenId), ("$at", at), ("$by", record.Actor));
                break;
            case EventTypes.StoreRestored:
                // History only: the views of a restored store are the backup's, replayed.
                break;
            default:
                throw new InvalidDataException(
                    $"event {record.Seq} has type '{record.Type}', which this binary does not know; run a newer artifactstore");
        }

        void Execute(string sql, params (string Name, object? Value)[] parameters) =>
            SqliteProjector.Execute(connection, transaction, sql, parameters);
    }

    private static void ApplyDeleted(SqliteConnection connection, SqliteTransaction transaction, EventRecord record, PackageDeleted deleted)
    {
        var id = deleted.PackageId.ToString();
        SqliteProjector.Execute(connection, transaction, OciViewSql.ManifestDeleting, ("@id", id));
        SqliteProjector.Execute(connection, transaction, OciViewSql.RepositoryEmptied, ("@id", id));
        SqliteProjector.Execute(connection, transaction, """
            UPDATE packages SET state = 'deleted', eligible = 0, deleted_at = $at, delete_reason = $reason, bytes_released = $bytes
            WHERE id = $id
            """,
            ("$id", id), ("$at", Rfc3339.ToText(record.OccurredAt)), ("$reason", deleted.Reason), ("$bytes", deleted.BytesReleased));

        // Each distinct blob of the package (manifest included) loses this package's reference.
        var digests = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = """
                SELECT sha256 FROM package_files WHERE package_id = $id
                UNION SELECT manifest_sha256 FROM packages WHERE id = $id
                """;
            command.Parameters.AddWithValue("$id", id);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                digests.Add(reader.GetString(0));
            }
        }

        foreach (var digest in digests)
        {
            SqliteBlobRows.ReleaseReference(connection, transaction, ArtifactStore.Core.Blobs.BlobDigest.Parse(digest), record.OccurredAt);
        }
    }
}
