using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Gc;
using ArtifactStore.Core.Idempotency;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Retention;
using ArtifactStore.Core.Roots;
using ArtifactStore.Core.Security;
using ArtifactStore.Core.Storage;
using ArtifactStore.Sqlite;

namespace ArtifactStore.Server.Hosting;

/// <summary>
/// One opened store: the locked data root, its database and blob store, and the domain services on
/// top. This is the composition root shared by the server and the operator commands; it is the only
/// place that picks the backends.
/// </summary>
public sealed class StoreRuntime : IAsyncDisposable
{
    private StoreRuntime(DataRoot root, StoreOptions options, IStoreDatabase database, IBlobStore blobs, TimeProvider time, ProtocolHooks? hooks)
    {
        Root = root;
        Options = options;
        Database = database;
        Blobs = blobs;
        Time = time;
        BlobReader = new BlobReader(blobs);
        Packages = new PackageService(database, blobs, options, time, hooks);
        Idempotency = new IdempotencyGate(database, options.IdempotencyWindow);
        Retention = new RetentionService(database);
        Sweeper = new RetentionSweeper(database, time);
        Collector = new GarbageCollector(database, blobs, time, options.Gc, hooks);
        Tokens = new TokenService(database);
        JobLogs = new FileJobLogStore(root.JobsDirectory);
        JobRunner = new JobRunner(database, BlobReader, Packages, options, root.JobsDirectory, JobLogs, time);
        Jobs = new JobService(database, Packages, JobRunner, options, time);
        Recovery.Register("requeue jobs left running by a stopped process", ct => JobRunner.RecoverAsync(ct));
    }

    public DataRoot Root { get; }

    public StoreOptions Options { get; }

    public IStoreDatabase Database { get; }

    public IBlobStore Blobs { get; }

    public TimeProvider Time { get; }

    public BlobReader BlobReader { get; }

    /// <summary>Live job logs, read by the API while a job runs.</summary>
    public IJobLogStore JobLogs { get; }

    public PackageService Packages { get; }

    public IdempotencyGate Idempotency { get; }

    public RetentionService Retention { get; }

    public RetentionSweeper Sweeper { get; }

    public GarbageCollector Collector { get; }

    public TokenService Tokens { get; }

    /// <summary>The worker pool; started by the server after recovery, idle in operator commands.</summary>
    public JobRunner JobRunner { get; }

    public JobService Jobs { get; }

    /// <summary>Steps the server runs after it starts listening and before it reports ready (see <see cref="StartupRecovery"/>).</summary>
    public StartupRecovery Recovery { get; } = new();

    /// <summary>Opens (or creates) the data root named by the options and everything on it.</summary>
    /// <remarks>The hooks are test hooks at the GC protocol's step boundaries; production passes none.</remarks>
    public static async Task<Result<StoreRuntime>> OpenAsync(StoreOptions options, TimeProvider? time = null, ProtocolHooks? hooks = null, CancellationToken cancellationToken = default)
    {
        time ??= TimeProvider.System;
        var opened = DataRoot.OpenOrCreate(options.DataRoot, options.Profile, BuildInfo.Revision, time);
        if (!opened.IsSuccess)
        {
            return opened.Error;
        }

        var root = opened.Value;
        try
        {
            var database = new SqliteStoreDatabase(root.DatabaseDirectory, time);
            try
            {
                // Applies the schema scripts this binary carries that the database has not seen yet.
                await database.InitializeAsync(cancellationToken);
            }
            catch (SchemaTooNewException e)
            {
                await database.DisposeAsync();
                root.Dispose();
                return new StoreError(RootErrorCodes.SchemaTooNew, $"{root.Path}: {e.Message}");
            }

            var blobs = new FileSystemBlobStore(root.BlobDirectory, root.TempDirectory);
            return new StoreRuntime(root, options, database, blobs, time, hooks);
        }
        catch
        {
            root.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The database of the root at <paramref name="rootPath"/>, not opened: for read-only checks from
    /// outside a server (<c>artifactstore doctor</c>). Call only when <c>db/</c> exists.
    /// </summary>
    public static IStoreDatabase DatabaseAt(string rootPath) =>
        new SqliteStoreDatabase(Path.Combine(rootPath, "db"), TimeProvider.System);

    /// <summary>The blob store of the root at <paramref name="rootPath"/>, for checks from outside a server. Call only when its directories exist.</summary>
    public static IBlobStore BlobsAt(string rootPath) =>
        new FileSystemBlobStore(Path.Combine(rootPath, "blobs"), Path.Combine(rootPath, "tmp"));

    public async ValueTask DisposeAsync()
    {
        await JobRunner.DisposeAsync();
        Sweeper.Dispose();
        Collector.Dispose();
        await Database.DisposeAsync();
        Root.Dispose();
    }
}
