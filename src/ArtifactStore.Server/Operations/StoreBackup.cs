using System.Diagnostics;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Roots;
using ArtifactStore.Core.Storage;
using ArtifactStore.Server.Hosting;

namespace ArtifactStore.Server.Operations;

/// <summary>
/// <c>artifactstore backup DEST</c>, consistent while a server runs on the root:
/// <list type="number">
/// <item>the backend copies one committed state of its database (every package acknowledged before
///   the backup started is in it) and every blob that state has a row for, each checked against its
///   row as it passes (<see cref="IStoreBackend.CopyToBackupAsync"/>); a referenced blob that is missing
///   or corrupt fails the backup, naming it;</item>
/// <item>the operator configuration is copied, the copy is verified as fsck verifies a root (every
///   blob's digests, the chain, the views against a replay), and the manifest with the root's marker is
///   written last: a directory without it is not a backup.</item>
/// </list>
/// </summary>
public static class StoreBackup
{
    public static async Task<Result<BackupSummary>> RunAsync(IStoreBackend backend, string rootPath, RootMarker marker, string destination, TimeSpan gracePeriod, TimeProvider time, CancellationToken cancellationToken)
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
            var outcome = await WriteAsync(backend, root, marker, target.Path, gracePeriod, time, cancellationToken);
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
        IStoreBackend backend, string root, RootMarker marker, string destination, TimeSpan gracePeriod, TimeProvider time, CancellationToken cancellationToken)
    {
        var createdAt = Core.Time.Rfc3339.Truncate(time.GetUtcNow());

        // 1-2. The database (one committed state of the live store) and the blobs that state has rows for.
        var copy = await backend.CopyToBackupAsync(root, destination, cancellationToken);
        if (!copy.IsSuccess)
        {
            return copy.Error;
        }

        // 3. The operator configuration, if the root has one.
        var config = Path.Combine(root, "artifactstore.json");
        if (File.Exists(config))
        {
            DurableFile.WriteAtomically(Path.Combine(destination, "artifactstore.json"), await File.ReadAllBytesAsync(config, cancellationToken));
        }

        DurableFile.FsyncDirectory(destination);

        // 4. Verify what was written, as fsck would verify a root.
        var checkedCopy = await StoreFsck.CheckAsync(backend, destination, gracePeriod, time, cancellationToken);
        if (!checkedCopy.IsSuccess)
        {
            return checkedCopy.Error;
        }

        var verification = checkedCopy.Value;
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
            Backend = backend.Name,
            SchemaVersion = copy.Value.SchemaVersion,
            Events = verification.Events,
            HeadSeq = verification.HeadSeq,
            Blobs = copy.Value.Blobs,
            BlobBytes = copy.Value.BlobBytes,
            DatabaseBytes = copy.Value.DatabaseBytes,
            UnreferencedNotCopied = copy.Value.UnreferencedNotCopied.Select(d => d.ToString()).ToList(),
        };
        manifest.Write(destination);
        return (manifest, verification);
    }

    private static bool IsInside(string path, string root) =>
        path == root || path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal);
}
