using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Health;
using ArtifactStore.Core.Roots;

namespace ArtifactStore.Core.Storage;

/// <summary>
/// A storage backend: opens everything a store needs (its database with the event log, views and
/// writer, and its blobs), and carries the backend's part of the operator commands: read-only
/// checks, schema versions, snapshots for fsck, and the copies that backup and restore make. The
/// server and the commands pick one backend by name from configuration (<c>Store:Backend</c>) and
/// then use only the ports. Implementations: <c>embedded</c> (SQLite + files in the data root) and
/// <c>scale-out</c> (PostgreSQL + S3, shared by several replicas). A backend is constructed with its
/// <see cref="StoreBackendSettings"/> (the <c>Store:*</c> keys) and reads nothing else of the configuration.
/// Errors are results, never exceptions: a store whose schema is newer than this binary's answers
/// <see cref="RootErrorCodes.SchemaTooNew"/>.
/// </summary>
public interface IStoreBackend
{
    /// <summary>The name configuration selects it by.</summary>
    string Name { get; }

    /// <summary>The keys under <c>Store:</c> this backend reads (besides <c>Store:Backend</c>).</summary>
    IReadOnlyList<StoreBackendSetting> Settings { get; }

    /// <summary>
    /// What is wrong with the settings the backend was constructed with, each naming its key; empty when
    /// they can be used. Checked with the rest of the configuration, before anything is opened.
    /// </summary>
    IReadOnlyList<string> CheckSettings();

    /// <summary>The entries of the data root the backend keeps its store in (none when the store lives elsewhere).</summary>
    StoreLayout Layout { get; }

    /// <summary>
    /// Opens the store of a data root this process holds, for serving: creates the schema on first
    /// use, migrates an older one, and clears state owned by processes that no longer run. The caller
    /// disposes the database.
    /// </summary>
    Task<Result<StoreParts>> OpenAsync(DataRoot root, TimeProvider time, CancellationToken cancellationToken);

    /// <summary>
    /// The readiness checks <c>database</c> and <c>blob_store</c> of the store behind the root at
    /// <paramref name="rootPath"/>, without opening it: creates, migrates and changes nothing (doctor).
    /// </summary>
    Task<IReadOnlyList<HealthCheck>> CheckWithoutOpeningAsync(string rootPath, CancellationToken cancellationToken);

    /// <summary>The store's schema version (0 when it has none yet) and this binary's, read without changing anything.</summary>
    Task<SchemaVersions> ReadSchemaVersionsAsync(string rootPath, CancellationToken cancellationToken);

    /// <summary>
    /// A consistent read-only snapshot of the store at <paramref name="path"/> (a root, served or not,
    /// or a backup) and its blobs, for fsck. Never writes.
    /// </summary>
    Task<Result<StoreSnapshotReader>> OpenSnapshotAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// The blob files of another root or of a backup, read-only: the source of <c>fsck --repair --blobs-from</c> when
    /// that directory has no database (with one, its inline blobs are read too, through an embedded snapshot).
    /// </summary>
    IBlobStore OpenBlobsForReading(string path);

    /// <summary>
    /// Copies one committed state of the store at <paramref name="rootPath"/> into the empty directory
    /// <paramref name="destination"/>: the database, and every blob it has a row for, each checked
    /// against its row as it passes. A referenced blob that is missing or corrupt fails the copy,
    /// naming it; an unreferenced one that GC reaped meanwhile is left out and marked as being deleted.
    /// Everything written is durable on success.
    /// </summary>
    Task<Result<BackupCopy>> CopyToBackupAsync(string rootPath, string destination, CancellationToken cancellationToken);

    /// <summary>The names, directly under a backup or a root, that hold this backend's files (what a restore moves into place).</summary>
    IReadOnlyList<string> BackupEntries { get; }

    /// <summary>Why <paramref name="backupPath"/> does not hold this backend's files, or null.</summary>
    StoreError? CheckBackupFiles(string backupPath);

    /// <summary>
    /// Copies the backend's files of a verified backup into <paramref name="stagingDirectory"/>,
    /// durably, checking each blob's digest as it passes. Returns the number of blobs copied.
    /// </summary>
    Task<Result<long>> CopyFromBackupAsync(string backupPath, string stagingDirectory, CancellationToken cancellationToken);
}
