using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Roots;
using ArtifactStore.Core.Storage;
using ArtifactStore.FileSystem;
using ArtifactStore.Sqlite;

namespace ArtifactStore.Embedded;

/// <summary>The embedded backend's part of backup and restore: the SQLite file and the blob files (docs/recovery.md).</summary>
internal static class EmbeddedBackup
{
    /// <summary>
    /// 1. The database is copied with SQLite's online backup: one committed state (the snapshot); every
    /// package acknowledged before the backup started is in it. 2. Every blob that state has a row for
    /// is copied (temp file, fsync, rename, directory fsync), its SHA-256, BLAKE3 and size checked against
    /// the row as it passes. A blob GC reaps between the snapshot and its copy can only be one no live
    /// package referenced in the snapshot (GC deletes a package's blobs only after the grace period): its
    /// row in the copy is marked <c>deleting</c>, the state the reaper itself leaves, and the restored
    /// store's GC finishes it. A referenced blob that is missing or corrupt fails the copy, naming it.
    /// </summary>
    public static async Task<Result<BackupCopy>> CopyAsync(string root, string destination, CancellationToken cancellationToken)
    {
        // 1. The database: one committed state of the live store.
        var database = EmbeddedLayout.DatabaseFile(destination);
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        SqliteOnlineBackup.Copy(EmbeddedLayout.DatabaseFile(root), database);

        // 2. The blobs that state has rows for. Inline blobs (docs/upload.md, "Small blobs") are already in the
        // copied database, in the same committed state as their rows: they are checked there, not copied.
        var rows = new List<BlobRow>();
        await using var snapshot = SqliteSnapshot.Open(database);
        var schemaVersion = snapshot.SchemaVersion;
        await foreach (var row in snapshot.ReadBlobRowsAsync(cancellationToken))
        {
            rows.Add(row);
        }

        var source = FileSystemBlobStore.OpenForReading(EmbeddedLayout.BlobDirectory(root));
        var copies = FileSystemBlobStore.OpenForReading(EmbeddedLayout.BlobDirectory(destination));
        var directories = new HashSet<string>(StringComparer.Ordinal);
        var notCopied = new List<BlobDigest>();
        long blobs = 0, bytes = 0;
        foreach (var row in rows)
        {
            if (await snapshot.GetInlineBlobAsync(row.Digest, cancellationToken) is { } inline)
            {
                using var digester = new DualDigester();
                digester.Append(inline.Bytes);
                var (sha256, blake3) = digester.Finish();
                if (sha256 != row.Digest || blake3 != row.Blake3Hex || inline.Bytes.Length != row.Size)
                {
                    if (row.RefCount > 0)
                    {
                        return new StoreError(OperationErrorCodes.BackupFailed,
                            $"blob {row.Digest}, kept inline in the database, is corrupt (its bytes hash to {sha256}, {inline.Bytes.Length} bytes); " +
                            "run 'artifactstore fsck' and recover it from an earlier backup ('fsck --repair --blobs-from DIR'), then back up again");
                    }

                    notCopied.Add(row.Digest);
                    continue;
                }

                blobs++;
                bytes += inline.Bytes.Length;
                continue;
            }

            var content = await source.OpenReadAsync(row.Digest, 0, cancellationToken);
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

        // Closed before the copy is written to below (disposing it again at the end of the method does nothing).
        await snapshot.DisposeAsync();
        FsyncTree(directories, EmbeddedLayout.BlobDirectory(destination));
        SqliteOnlineBackup.MarkBeingDeleted(database, notCopied);
        DurableFile.FsyncDirectory(Path.GetDirectoryName(database)!);
        return new BackupCopy(schemaVersion, blobs, bytes, new FileInfo(database).Length, notCopied);
    }

    /// <summary>Copies a backup's database and blobs into <paramref name="staging"/>, durably; returns the blobs copied.</summary>
    public static async Task<Result<long>> RestoreAsync(string backup, string staging, CancellationToken cancellationToken)
    {
        var from = Path.GetFullPath(backup);
        var database = EmbeddedLayout.DatabaseFile(staging);
        await using (var stream = File.OpenRead(EmbeddedLayout.DatabaseFile(from)))
        {
            await BlobCopy.CopyAsync(stream, database, cancellationToken);
        }

        DurableFile.FsyncDirectory(Path.GetDirectoryName(database)!);
        return await CopyBlobsAsync(EmbeddedLayout.BlobDirectory(from), EmbeddedLayout.BlobDirectory(staging), cancellationToken);
    }

    private static async Task<Result<long>> CopyBlobsAsync(string from, string to, CancellationToken cancellationToken)
    {
        var source = FileSystemBlobStore.OpenForReading(from);
        var target = FileSystemBlobStore.OpenForReading(to);
        var directories = new HashSet<string>(StringComparer.Ordinal);
        var count = 0L;
        await foreach (var digest in source.ListAsync(cancellationToken))
        {
            var content = await source.OpenReadAsync(digest, 0, cancellationToken);
            if (content is null)
            {
                continue;
            }

            var path = target.PathOf(digest);
            await using (content)
            {
                var copied = await BlobCopy.CopyAsync(content.Stream, path, cancellationToken);
                if (copied.Sha256 != digest)
                {
                    return new StoreError(OperationErrorCodes.RestoreFailed,
                        $"blob {digest} changed in the backup while it was being restored (its bytes now hash to {copied.Sha256}); verify the backup medium");
                }
            }

            directories.Add(Path.GetDirectoryName(path)!);
            count++;
        }

        Directory.CreateDirectory(to);
        FsyncTree(directories, to);
        return count;
    }

    /// <summary>fsyncs every leaf directory written, then their parents up to <paramref name="top"/>, deepest first.</summary>
    private static void FsyncTree(IEnumerable<string> leaves, string top)
    {
        var all = new HashSet<string>(StringComparer.Ordinal) { top };
        foreach (var leaf in leaves)
        {
            for (var dir = leaf; dir is not null && dir.Length >= top.Length; dir = Path.GetDirectoryName(dir))
            {
                all.Add(dir);
            }
        }

        foreach (var dir in all.Where(Directory.Exists).OrderByDescending(d => d.Length))
        {
            DurableFile.FsyncDirectory(dir);
        }
    }
}
