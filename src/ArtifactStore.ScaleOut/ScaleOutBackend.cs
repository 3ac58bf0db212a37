using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Health;
using ArtifactStore.Core.Roots;
using ArtifactStore.Core.Storage;
using ArtifactStore.FileSystem;
using ArtifactStore.Postgres;
using ArtifactStore.S3;
using ArtifactStore.ScaleOut;
using Npgsql;

[assembly: StoreBackend(typeof(ScaleOutBackend))]

namespace ArtifactStore.ScaleOut;

/// <summary>
/// The scale-out backend: the database (event log, views, leases, idempotency, tokens, live job logs) in
/// PostgreSQL, the blobs in an S3 bucket, shared by every replica (docs/postgres.md, docs/s3.md). Each
/// replica's data root (<c>--data-root</c>) keeps only what is local to it: its marker and lock, job
/// working directories and the staging of uploads in <c>tmp/</c>; no blob lives only there.
/// </summary>
public sealed class ScaleOutBackend(StoreBackendSettings settings) : IStoreBackend
{
    /// <summary>The name <c>Store:Backend</c> selects it by.</summary>
    public const string BackendName = "scale-out";

    public string Name => BackendName;

    public IReadOnlyList<StoreBackendSetting> Settings => ScaleOutSettings.All;

    public IReadOnlyList<string> CheckSettings() => ScaleOutSettings.Check(settings);

    /// <summary>The store is elsewhere: the data root holds no store file.</summary>
    public StoreLayout Layout => StoreLayout.None;

    public IReadOnlyList<string> BackupEntries => [];

    private string ConnectionString => ScaleOutSettings.Postgres(settings);

    /// <summary>
    /// Checks the lane (database and bucket) before anything is changed, then creates or migrates the
    /// schema, records the store's identity when the database is new, and writes the bucket's marker.
    /// </summary>
    public async Task<Result<StoreParts>> OpenAsync(DataRoot root, TimeProvider time, CancellationToken cancellationToken)
    {
        var blobs = new S3BlobStore(ScaleOutSettings.S3(settings), root.TempDirectory);
        PostgresStoreDatabase? database = null;
        try
        {
            var identity = await PostgresStoreIdentity.ReadAsync(ConnectionString, cancellationToken);
            if (await StoreIdentity.CheckBeforeOpenAsync(identity, blobs, root.Profile, cancellationToken) is { } refused)
            {
                blobs.Dispose();
                return refused;
            }

            database = new PostgresStoreDatabase(ConnectionString, time);
            await database.InitializeAsync(cancellationToken);

            // Replicas that start on an empty database together: the first row wins and every one reads it.
            identity = await PostgresStoreIdentity.ClaimAsync(ConnectionString, new PostgresStoreIdentity(Guid.NewGuid().ToString("N"), root.Profile), time.GetUtcNow(), cancellationToken);
            if (await StoreIdentity.CheckBeforeOpenAsync(identity, blobs, root.Profile, cancellationToken) is { } lost)
            {
                await database.DisposeAsync();
                blobs.Dispose();
                return lost;
            }

            await StoreIdentity.EnsureMarkerAsync(identity, blobs, cancellationToken);
            var connectionString = ConnectionString;
            var profile = root.Profile;
            return new StoreParts(database, blobs, database.CreateJobLogStore(root.JobsDirectory))
            {
                Uploads = new ScaleOutUploadSessionStore(database.CreateUploadSessionRows(), blobs),
                Checks = [ct => StoreIdentity.CheckAsync(connectionString, blobs, profile, ct)],
                StoreId = identity.StoreId,
            };
        }
        catch (SchemaTooNewException e)
        {
            await DisposeAsync(database, blobs);
            return new StoreError(RootErrorCodes.SchemaTooNew, $"the PostgreSQL database: {e.Message}");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            await DisposeAsync(database, blobs);
            return new StoreError(ErrorCodes.StorageUnavailable,
                $"the PostgreSQL database does not answer ({e.Message}); check that the server runs and that {ScaleOutSettings.ConnectionString} names it, its database and a role that may log in");
        }
        catch (StorageUnavailableException e)
        {
            await DisposeAsync(database, blobs);
            return new StoreError(ErrorCodes.StorageUnavailable,
                $"the S3 bucket does not answer ({e.Message}); check {ScaleOutSettings.ServiceUrl}, {ScaleOutSettings.Bucket} and the credentials");
        }
        catch
        {
            await DisposeAsync(database, blobs);
            throw;
        }
    }

    public async Task<IReadOnlyList<HealthCheck>> CheckWithoutOpeningAsync(string rootPath, CancellationToken cancellationToken)
    {
        await using var database = new PostgresStoreDatabase(ConnectionString, TimeProvider.System);
        using var blobs = new S3BlobStore(ScaleOutSettings.S3(settings), Path.Combine(rootPath, "tmp"));
        var checks = new List<HealthCheck>
        {
            await database.CheckHealthAsync(cancellationToken),
            await blobs.CheckWritableAsync(cancellationToken),
        };

        // The lane is the replica's own: the profile its data root is bound to.
        var profile = RootMarker.TryRead(Path.Combine(rootPath, RootMarker.FileName), out _)?.Profile;
        checks.Add(profile is null
            ? HealthCheck.Failed(HealthCheckNames.StoreIdentity, $"the data root {rootPath} has no readable marker, so its lane is unknown", "see the marker check")
            : await StoreIdentity.CheckAsync(ConnectionString, blobs, profile, cancellationToken));
        return checks;
    }

    public async Task<SchemaVersions> ReadSchemaVersionsAsync(string rootPath, CancellationToken cancellationToken) =>
        new(await PostgresStoreDatabase.ReadSchemaVersionAsync(ConnectionString, cancellationToken), PostgresStoreDatabase.LatestSchemaVersion);

    /// <summary>A snapshot of the shared store (<paramref name="path"/> is only where staged uploads are looked for).</summary>
    public async Task<Result<StoreSnapshotReader>> OpenSnapshotAsync(string path, CancellationToken cancellationToken)
    {
        PostgresSnapshot snapshot;
        PostgresStoreIdentity? identity;
        try
        {
            identity = await PostgresStoreIdentity.ReadAsync(ConnectionString, cancellationToken);
            snapshot = await PostgresSnapshot.OpenAsync(ConnectionString, cancellationToken);
        }
        catch (SchemaTooNewException e)
        {
            return new StoreError(RootErrorCodes.SchemaTooNew, $"the PostgreSQL database: {e.Message}");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return new StoreError(ErrorCodes.StorageUnavailable, $"the PostgreSQL database does not answer ({e.Message})");
        }

        return new StoreSnapshotReader(snapshot, new InlineBlobStore(new S3BlobStore(ScaleOutSettings.S3(settings), Path.Combine(Path.GetFullPath(path), "tmp")), snapshot))
        {
            StoreId = identity?.StoreId,
        };
    }

    /// <summary>The blobs of an embedded root or backup (the source of <c>fsck --repair --blobs-from</c>).</summary>
    public IBlobStore OpenBlobsForReading(string path) =>
        FileSystemBlobStore.OpenForReading(Path.Combine(Path.GetFullPath(path), "blobs"));

    public Task<Result<BackupCopy>> CopyToBackupAsync(string rootPath, string destination, CancellationToken cancellationToken) =>
        Task.FromResult<Result<BackupCopy>>(NotBuilt(OperationErrorCodes.BackupFailed, "backup"));

    public StoreError? CheckBackupFiles(string backupPath) => NotBuilt(OperationErrorCodes.BackupInvalid, "restore");

    public Task<Result<long>> CopyFromBackupAsync(string backupPath, string stagingDirectory, CancellationToken cancellationToken) =>
        Task.FromResult<Result<long>>(NotBuilt(OperationErrorCodes.RestoreFailed, "restore"));

    private static StoreError NotBuilt(string code, string command) =>
        new(code, $"'artifactstore {command}' does not work on the scale-out backend: its store is in PostgreSQL and S3, not in the data root. Back it up with 'artifactstore copy-store' into a new embedded root, and restore by copying that root back into an empty store (OPERATOR.md, \"Scale-out\")");

    private static async Task DisposeAsync(PostgresStoreDatabase? database, S3BlobStore blobs)
    {
        if (database is not null)
        {
            await database.DisposeAsync();
        }

        blobs.Dispose();
    }
}
