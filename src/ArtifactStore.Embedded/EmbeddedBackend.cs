using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Health;
using ArtifactStore.Core.Roots;
using ArtifactStore.Core.Storage;
using ArtifactStore.Embedded;
using ArtifactStore.FileSystem;
using ArtifactStore.Sqlite;

[assembly: StoreBackend(typeof(EmbeddedBackend))]

namespace ArtifactStore.Embedded;

/// <summary>
/// The embedded backend: the database is one SQLite file in the data root's <c>db/</c>, the blobs are
/// files under <c>blobs/sha256/</c>, staged in <c>tmp/</c> (docs/data-layout.md). Zero set-up: it
/// needs only the data root, and reads no <c>Store:*</c> setting (a scale-out section left in the
/// configuration is ignored, so that switching back needs no edit).
/// </summary>
public sealed class EmbeddedBackend : IStoreBackend
{
    /// <summary>The name <c>Store:Backend</c> selects it by (the default).</summary>
    public const string BackendName = "embedded";

    public EmbeddedBackend()
    {
    }

    /// <summary>The constructor <c>StoreBackends</c> calls; the embedded backend has no settings.</summary>
    public EmbeddedBackend(StoreBackendSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
    }

    public string Name => BackendName;

    public IReadOnlyList<StoreBackendSetting> Settings => [];

    public IReadOnlyList<string> CheckSettings() => [];

    public IReadOnlyList<string> BackupEntries { get; } = [EmbeddedLayout.Database, EmbeddedLayout.Blobs];

    public StoreLayout Layout => EmbeddedLayout.InRoot;

    public async Task<Result<StoreParts>> OpenAsync(DataRoot root, TimeProvider time, CancellationToken cancellationToken)
    {
        var database = new SqliteStoreDatabase(EmbeddedLayout.DatabaseDirectory(root.Path), time);
        try
        {
            // Applies the schema scripts this binary carries that the database has not seen yet.
            await database.InitializeAsync(cancellationToken);
        }
        catch (SchemaTooNewException e)
        {
            await database.DisposeAsync();
            return new StoreError(RootErrorCodes.SchemaTooNew, $"{root.Path}: {e.Message}");
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }

        var blobs = new FileSystemBlobStore(EmbeddedLayout.BlobDirectory(root.Path), root.TempDirectory);
        return new StoreParts(database, blobs, new FileJobLogStore(root.JobsDirectory))
        {
            Uploads = new FileSystemUploadSessionStore(EmbeddedLayout.UploadDirectory(root.Path)),
            SingleProcess = true,
        };
    }

    public async Task<IReadOnlyList<HealthCheck>> CheckWithoutOpeningAsync(string rootPath, CancellationToken cancellationToken)
    {
        var checks = new List<HealthCheck>();
        var databaseDirectory = EmbeddedLayout.DatabaseDirectory(rootPath);
        if (Directory.Exists(databaseDirectory))
        {
            await using var database = new SqliteStoreDatabase(databaseDirectory, TimeProvider.System);
            checks.Add(await database.CheckHealthAsync(cancellationToken));
        }
        else
        {
            checks.Add(HealthCheck.Failed(HealthCheckNames.Database, $"{databaseDirectory} is missing", "restore the root from a backup"));
        }

        var blobDirectories = new[] { Path.Combine(EmbeddedLayout.BlobDirectory(rootPath), "sha256"), Path.Combine(rootPath, "tmp") };
        if (blobDirectories.All(Directory.Exists))
        {
            checks.Add(await new FileSystemBlobStore(EmbeddedLayout.BlobDirectory(rootPath), Path.Combine(rootPath, "tmp")).CheckWritableAsync(cancellationToken));
        }
        else
        {
            // Constructing the blob store would create what is missing; a check only looks.
            checks.Add(HealthCheck.Failed(HealthCheckNames.BlobStore,
                string.Join("; ", blobDirectories.Where(d => !Directory.Exists(d)).Select(d => $"{d} is not a directory")),
                "see the permissions check above"));
        }

        return checks;
    }

    public Task<SchemaVersions> ReadSchemaVersionsAsync(string rootPath, CancellationToken cancellationToken) =>
        Task.FromResult(new SchemaVersions(
            SqliteStoreDatabase.ReadSchemaVersion(EmbeddedLayout.DatabaseDirectory(rootPath)), SqliteStoreDatabase.LatestSchemaVersion));

    public Task<Result<StoreSnapshotReader>> OpenSnapshotAsync(string path, CancellationToken cancellationToken)
    {
        SqliteSnapshot snapshot;
        try
        {
            snapshot = SqliteSnapshot.Open(EmbeddedLayout.DatabaseFile(path));
        }
        catch (SchemaTooNewException e)
        {
            return Task.FromResult<Result<StoreSnapshotReader>>(new StoreError(RootErrorCodes.SchemaTooNew, $"{path}: {e.Message}"));
        }

        // The snapshot also sees tmp/, so that fsck can report staged copies nothing discarded.
        var blobs = FileSystemBlobStore.OpenForReading(EmbeddedLayout.BlobDirectory(Path.GetFullPath(path)), Path.Combine(Path.GetFullPath(path), "tmp"));
        return Task.FromResult<Result<StoreSnapshotReader>>(new StoreSnapshotReader(snapshot, new InlineBlobStore(blobs, snapshot)));
    }

    public IBlobStore OpenBlobsForReading(string path) =>
        FileSystemBlobStore.OpenForReading(EmbeddedLayout.BlobDirectory(Path.GetFullPath(path)));

    public Task<Result<BackupCopy>> CopyToBackupAsync(string rootPath, string destination, CancellationToken cancellationToken) =>
        EmbeddedBackup.CopyAsync(rootPath, destination, cancellationToken);

    public StoreError? CheckBackupFiles(string backupPath) =>
        File.Exists(EmbeddedLayout.DatabaseFile(backupPath))
            ? null
            : new StoreError(OperationErrorCodes.BackupInvalid, $"the backup {backupPath} has no database ({EmbeddedLayout.Database}/{SqliteStoreDatabase.FileName})");

    public Task<Result<long>> CopyFromBackupAsync(string backupPath, string stagingDirectory, CancellationToken cancellationToken) =>
        EmbeddedBackup.RestoreAsync(backupPath, stagingDirectory, cancellationToken);
}
