using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Roots;
using ArtifactStore.Server.Hosting;

namespace ArtifactStore.Server.Operations;

/// <summary>
/// <c>artifactstore restore SRC --data-root DIR [--profile P]</c>: verifies the backup, then makes a
/// data root of it in a new or empty directory. The files are copied (fsynced) into a staging
/// directory inside the target, moved into place, and the marker is written last, so that an
/// interrupted restore leaves a directory the store refuses to open (it is not empty and has no
/// marker), never a half-restored root. The caller then opens the root (layout and schema migrations
/// run), records <c>v1.store.restored</c> with <see cref="RecordAsync"/>, and verifies the result.
/// </summary>
public static class StoreRestore
{
    /// <summary>Where the files wait until they are all in the target; its presence marks an interrupted restore.</summary>
    public const string StagingName = ".artifactstore-restore";

    /// <summary>Why <paramref name="target"/> cannot receive a restore (not new or empty, inside a root), or null.</summary>
    public static StoreError? CheckTarget(string target)
    {
        var full = Path.GetFullPath(target);
        if (Directory.Exists(Path.Combine(full, StagingName)))
        {
            return new StoreError(OperationErrorCodes.TargetNotUsable,
                $"an earlier restore into {full} was interrupted; delete {full} and run the restore again");
        }

        return TargetDirectory.Check(full, "the restore target", OperationErrorCodes.TargetNotUsable);
    }

    /// <summary>Checks that <paramref name="source"/> is a complete backup whose every blob, event and view verifies.</summary>
    public static async Task<Result<BackupManifest>> VerifyBackupAsync(string source, TimeProvider time, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(source);
        var manifest = BackupManifest.TryRead(full, out var problem);
        if (manifest is null)
        {
            return new StoreError(OperationErrorCodes.BackupInvalid, problem!);
        }

        if (manifest.Format > BackupManifest.CurrentFormat || manifest.Marker.LayoutVersion > LayoutMigrations.Released.CurrentVersion)
        {
            return new StoreError(OperationErrorCodes.BackupInvalid,
                $"the backup {full} was made by a newer artifactstore (backup format {manifest.Format}, layout {manifest.Marker.LayoutVersion}); restore it with a newer binary");
        }

        if (StoreBackends.Check(manifest.Backend) is { } unknown)
        {
            return new StoreError(OperationErrorCodes.BackupInvalid, $"the backup {full} holds a store of an unknown backend: {unknown}");
        }

        var backend = StoreBackends.Find(manifest.Backend);
        if (backend.CheckBackupFiles(full) is { } missing)
        {
            return missing;
        }

        var checkedBackup = await StoreFsck.CheckAsync(backend, full, TimeSpan.Zero, time, cancellationToken);
        if (!checkedBackup.IsSuccess)
        {
            return new StoreError(OperationErrorCodes.BackupInvalid, $"the backup {full}: {checkedBackup.Error.Message}");
        }

        var report = checkedBackup.Value;

        if (report.HasDamage)
        {
            return new StoreError(OperationErrorCodes.BackupInvalid,
                $"the backup {full} does not verify: " + string.Join("; ", report.Findings.Where(f => f.IsDamage).Select(f => f.Message)));
        }

        if (report.HeadSeq != manifest.HeadSeq || report.Events != manifest.Events)
        {
            return new StoreError(OperationErrorCodes.BackupInvalid,
                $"the backup {full} has {report.Events} events up to seq {report.HeadSeq}, but its manifest says {manifest.Events} up to {manifest.HeadSeq}");
        }

        return manifest;
    }

    /// <summary>
    /// Copies a verified backup into <paramref name="target"/> (new or empty). Without
    /// <paramref name="profile"/> the root keeps the backup's store id and profile; with it, the root is
    /// bound to that profile under a new store id. Returns the marker written.
    /// </summary>
    public static async Task<Result<RootMarker>> RestoreFilesAsync(string source, BackupManifest manifest, string target, string? profile, TimeProvider time, CancellationToken cancellationToken)
    {
        var from = Path.GetFullPath(source);
        var full = Path.GetFullPath(target);
        if (CheckTarget(full) is { } unusable)
        {
            return unusable;
        }

        if (profile is not null && !ProfileName.IsValid(profile))
        {
            return new StoreError(OperationErrorCodes.TargetNotUsable,
                $"profile '{profile}' is not valid: use 1-32 characters of a-z, 0-9 and '-', starting with a letter");
        }

        var claimed = TargetDirectory.Claim(full, "the restore target", OperationErrorCodes.TargetNotUsable);
        if (!claimed.IsSuccess)
        {
            return claimed.Error;
        }

        var directory = claimed.Value;
        try
        {
            var staging = Path.Combine(full, StagingName);
            Directory.CreateDirectory(staging);
            DurableFile.FsyncDirectory(full);

            // 1. Everything into the staging directory, durably.
            var backend = StoreBackends.Find(manifest.Backend);
            var copied = await backend.CopyFromBackupAsync(from, staging, cancellationToken);
            if (!copied.IsSuccess)
            {
                directory.Abandon();
                return copied.Error;
            }

            var config = Path.Combine(from, "artifactstore.json");
            if (File.Exists(config))
            {
                DurableFile.WriteAtomically(Path.Combine(staging, "artifactstore.json"), await File.ReadAllBytesAsync(config, cancellationToken));
            }

            // 2. Into place (renames within one filesystem), then the marker, last.
            foreach (var name in backend.BackupEntries.Append("artifactstore.json"))
            {
                var staged = Path.Combine(staging, name);
                if (Directory.Exists(staged))
                {
                    Directory.Move(staged, Path.Combine(full, name));
                }
                else if (File.Exists(staged))
                {
                    File.Move(staged, Path.Combine(full, name));
                }
            }

            DurableFile.FsyncDirectory(full);
            var now = time.GetUtcNow();
            var original = manifest.Marker;
            var rebind = profile is not null;
            var marker = new RootMarker
            {
                StoreId = rebind ? Guid.CreateVersion7(now).ToString() : original.StoreId,
                Profile = profile ?? original.Profile,
                LayoutVersion = original.LayoutVersion,
                CreatedAt = rebind ? now : original.CreatedAt,
                LastOpenedBy = BuildInfo.Revision,
                LastOpenedAt = now,
                RestoredFrom = new RestoredFrom
                {
                    StoreId = original.StoreId,
                    Profile = original.Profile,
                    BackupCreatedAt = manifest.CreatedAt,
                    HeadSeq = manifest.HeadSeq,
                    RestoredAt = now,
                    Rebound = rebind,
                },
            };
            marker.WriteAtomically(full);

            // The root is complete from here on; the empty staging directory is only tidied away.
            Directory.Delete(staging);
            DurableFile.FsyncDirectory(full);
            return marker;
        }
        catch
        {
            directory.Abandon();
            throw;
        }
    }

    /// <summary>Appends <c>v1.store.restored</c> to the restored store's log (its first write).</summary>
    public static async Task RecordAsync(StoreRuntime store, BackupManifest manifest, string actor, CancellationToken cancellationToken)
    {
        var restored = new StoreRestored(
            manifest.Marker.StoreId, manifest.Marker.Profile, store.StoreId, store.Root.Profile, manifest.CreatedAt, manifest.HeadSeq);
        var result = await store.Database.WriteAsync<bool>(async (writer, ct) =>
        {
            await writer.AppendAsync(new NewEvent(EventTypes.SystemStream, EventTypes.StoreRestored, actor, restored.ToCbor()), ct);
            return true;
        }, cancellationToken);
        _ = result.Value;
    }
}
