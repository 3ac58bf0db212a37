using System.Diagnostics;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Roots;
using ArtifactStore.Core.Storage;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Sqlite;

namespace ArtifactStore.Server.Operations;

/// <summary>
/// <c>artifactstore backup DEST</c>, consistent while a server runs on the root:
/// <list type="number">
/// <item>the database is copied with SQLite's online backup: one committed state (the snapshot); every
///   package acknowledged before the backup started is in it;</item>
/// <item>every blob that snapshot has a row for is copied (temp file, fsync, rename, directory fsync),
///   its SHA-256, BLAKE3 and size checked against the row as it passes. A blob GC reaps between the
///   snapshot and its copy can only be one no live package referenced in the snapshot (GC deletes a
///   package's blobs only after the grace period): its row in the copy is marked <c>deleting</c>, the state
///   the reaper itself leaves, and the restored store's GC finishes it. A referenced blob that is missing
///   or corrupt fails the backup, naming it;</item>
/// <item>the operator configuration is copied, the copy is verified as fsck verifies a root (every
///   blob's digests, the chain, the views against a replay), and the manifest with the root's marker is
///   written last: a directory without it is not a backup.</item>
/// </list>
/// </summary>
public static class StoreBackup
{
    public static async Task<Result<BackupSummary>> RunAsync(string rootPath, RootMarker marker, string destination, TimeSpan gracePeriod, TimeProvider time, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(rootPath);
        var full = Path.GetFullPath(destination);
        if (IsInside(full, root))
        {
            return new StoreError(OperationErrorCodes.TargetNotUsable, $"the backup destination {full} is inside the data root {root}; a backup must live outside the root it protects");
        }

        var claimed = TargetDirectory.Claim(full, "the backup destination", OperationErrorCodes.TargetNotUsable);
        if (!claimed.IsSuccess)
        {
            return claimed.Error;
        }

        var target = claimed.Value;
        var clock = Stopwatch.StartNew();
        try
        {
            var outcome = await WriteAsync(root, marker, target.Path, gracePeriod, time, cancellationToken);
            if (!outcome.IsSuccess)
            {
                target.Abandon();
                return outcome.Error;
            }

            return new BackupSummary(target.Path, outcome.Value.Manifest, clock.Elapsed, outcome.Value.Verification);
        }
        catch
        {
            target.Abandon();
            throw;
        }
    }

    private static async Task<Result<(BackupManifest Manifest, Core.Verification.FsckReport Verification)>> WriteAsync(
        string root, RootMarker marker, string destination, TimeSpan gracePeriod, TimeProvider time, CancellationToken cancellationToken)
    {
        var createdAt = Core.Time.Rfc3339.Truncate(time.GetUtcNow());

        // 1. The database: one committed state of the live store.
        var database = Path.Combine(destination, "db", SqliteStoreDatabase.FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        SqliteOnlineBackup.Copy(Path.Combine(root, "db", SqliteStoreDatabase.FileName), database);

        // 2. The blobs that state has rows for.
        var rows = new List<BlobRow>();
        int schemaVersion;
        await using (var snapshot = SqliteSnapshot.Open(database))
        {
            schemaVersion = snapshot.SchemaVersion;
            await foreach (var row in snapshot.ReadBlobRowsAsync(cancellationToken))
            {
                rows.Add(row);
            }
        }

        var source = FileSystemBlobStore.OpenForReading(Path.Combine(root, "blobs"));
        var copies = FileSystemBlobStore.OpenForReading(Path.Combine(destination, "blobs"));
        var directories = new HashSet<string>(StringComparer.Ordinal);
        var notCopied = new List<BlobDigest>();
        long blobs = 0, bytes = 0;
        foreach (var row in rows)
        {
            var content = await source.OpenReadAsync(row.Digest, cancellationToken);
            if (content is null)
            {
                if (row.RefCount > 0)
                {
                    return new StoreError(OperationErrorCodes.BackupFailed,
                        $"blob {row.Digest}, which live packages referenced when the backup started, has no bytes in the data root: " +
                        "either it is missing (run 'artifactstore fsck') or GC deleted it during the backup because the backup took longer than Gc:BlobGracePeriod; run the backup again");
                }

                notCopied.Add(row.Digest); // reaped since the snapshot
                continue;
            }

            var path = copies.PathOf(row.Digest);
            (BlobDigest Sha256, string Blake3Hex, long Length) copied;
            await using (content)
            {
                copied = await BlobCopy.CopyAsync(content.Stream, path, cancellationToken);
            }

            if (copied.Sha256 != row.Digest || copied.Blake3Hex != row.Blake3Hex || copied.Length != row.Size)
            {
                File.Delete(path);
                if (row.RefCount > 0)
                {
                    return new StoreError(OperationErrorCodes.BackupFailed,
                        $"blob {row.Digest} is corrupt in the data root (its bytes hash to {copied.Sha256}, {copied.Length} bytes); " +
                        "run 'artifactstore fsck' and recover it from an earlier backup ('fsck --repair --blobs-from DIR'), then back up again");
                }

                notCopied.Add(row.Digest); // unreferenced and damaged: not worth keeping
                continue;
            }

            directories.Add(Path.GetDirectoryName(path)!);
            blobs++;
            bytes += copied.Length;
        }

        FsyncTree(directories, Path.Combine(destination, "blobs"));
        SqliteOnlineBackup.MarkBeingDeleted(database, notCopied);

        // 3. The operator configuration, if the root has one.
        var config = Path.Combine(root, "artifactstore.json");
        if (File.Exists(config))
        {
            DurableFile.WriteAtomically(Path.Combine(destination, "artifactstore.json"), await File.ReadAllBytesAsync(config, cancellationToken));
        }

        DurableFile.FsyncDirectory(destination);

        // 4. Verify what was written, as fsck would verify a root.
        var verification = await StoreFsck.CheckAsync(destination, gracePeriod, time, cancellationToken);
        if (verification.HasDamage)
        {
            return new StoreError(OperationErrorCodes.BackupFailed,
                "the backup does not verify: " + string.Join("; ", verification.Findings.Where(f => f.IsDamage).Select(f => f.Message)));
        }

        // 5. The manifest, last: from here on the directory is a complete backup.
        var manifest = new BackupManifest
        {
            Format = BackupManifest.CurrentFormat,
            CreatedAt = createdAt,
            MadeBy = BuildInfo.Revision,
            SourceRoot = root,
            Marker = marker,
            SchemaVersion = schemaVersion,
            Events = verification.Events,
            HeadSeq = verification.HeadSeq,
            Blobs = blobs,
            BlobBytes = bytes,
            DatabaseBytes = new FileInfo(database).Length,
            UnreferencedNotCopied = notCopied.Select(d => d.ToString()).ToList(),
        };
        manifest.Write(destination);
        return (manifest, verification);
    }

    /// <summary>fsyncs every leaf directory written, then their parents up to <paramref name="top"/>, deepest first.</summary>
    internal static void FsyncTree(IEnumerable<string> leaves, string top)
    {
        var all = new HashSet<string>(StringComparer.Ordinal);
        foreach (var leaf in leaves)
        {
            for (var dir = leaf; dir is not null && dir.Length >= top.Length; dir = Path.GetDirectoryName(dir))
            {
                all.Add(dir);
            }
        }

        foreach (var dir in all.OrderByDescending(d => d.Length))
        {
            DurableFile.FsyncDirectory(dir);
        }
    }

    private static bool IsInside(string path, string root) =>
        path == root || path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal);
}
