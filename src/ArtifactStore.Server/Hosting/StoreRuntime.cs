using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Gc;
using ArtifactStore.Core.Health;
using ArtifactStore.Core.Idempotency;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Oci;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Retention;
using ArtifactStore.Core.Roots;
using ArtifactStore.Core.Security;
using ArtifactStore.Core.Storage;
using ArtifactStore.Core.Uploads;

namespace ArtifactStore.Server.Hosting;

/// <summary>
/// One opened store: the locked data root, its database and blob store, and the domain services on
/// top. This is the composition root shared by the server and the operator commands; it is the only
/// place that picks the backend (<see cref="StoreBackends"/>), by the name configuration gives.
/// </summary>
public sealed class StoreRuntime : IAsyncDisposable
{
    private StoreRuntime(DataRoot root, StoreOptions options, IStoreBackend backend, StoreParts parts, TimeProvider time, ProtocolHooks? hooks)
    {
        Root = root;
        Backend = backend;
        Options = options;
        // Small blobs of packages go inline in the database (docs/upload.md, "Small blobs"); reads see both placements, and
        // downloads keep recently read inline bytes in memory (docs/upload.md, "The download path").
        InlineBytes = new InlineBlobCache(options.Uploads.InlineCacheBytes);
        var (database, blobs) = (parts.Database, new InlineBlobStore(parts.Blobs, parts.Database.Views, options.Uploads.InlineMaxBytes, InlineBytes));
        Database = database;
        Blobs = blobs;
        Time = time;
        BlobReader = new BlobReader(blobs);
        FileLookups = parts.SingleProcess ? new PackageFileCache(options.Downloads.LookupCacheFiles) : PackageFileCache.Off;
        Packages = new PackageService(database, blobs, options, time, hooks, FileLookups);
        Idempotency = new IdempotencyGate(database, options.IdempotencyWindow);
        Retention = new RetentionService(database);
        Sweeper = new RetentionSweeper(database, time, Runs);
        Uploads = parts.Uploads is { } sessions ? new UploadService(sessions, blobs, database, options.Uploads, time, hooks) : null;
        Collector = new GarbageCollector(database, blobs, time, options.Gc, hooks, Runs, Uploads, FileLookups);
        Tokens = new TokenService(database, cacheLookups: parts.SingleProcess);
        JobLogs = parts.JobLogs;
        BackendChecks = parts.Checks;
        StoreId = parts.StoreId ?? root.StoreId;
        JobRunner = new JobRunner(database, BlobReader, Packages, options, root.JobsDirectory, JobLogs, time);
        Jobs = new JobService(database, Packages, JobRunner, options, time);
        Oci = new OciRegistry(database, blobs, BlobReader, Packages, options, time);
        Recovery.Register("requeue jobs left running by a stopped process", ct => JobRunner.RecoverAsync(ct));
    }

    public DataRoot Root { get; }

    /// <summary>
    /// The id of the store this process serves: the shared store's on the scale-out backend (every replica says the
    /// same; each replica's own data root has an id of its own), else the data root's (docs/recovery.md, "Readiness").
    /// </summary>
    public string StoreId { get; }

    /// <summary>The storage backend <c>Store:Backend</c> chose.</summary>
    public IStoreBackend Backend { get; }

    public StoreOptions Options { get; }

    public IStoreDatabase Database { get; }

    /// <summary>The backend's blob store with small blobs kept inline in the database (<see cref="InlineBlobStore"/>).</summary>
    public IBlobStore Blobs { get; }

    public TimeProvider Time { get; }

    /// <summary>Inline blobs' bytes kept for downloads (<c>Uploads:InlineCacheBytes</c>; off at 0).</summary>
    public InlineBlobCache InlineBytes { get; }

    public BlobReader BlobReader { get; }

    /// <summary>
    /// Live packages' files for downloads (docs/upload.md, "Reading back"); off unless the backend's database
    /// is this process's alone (<see cref="StoreParts.SingleProcess"/>) and <c>Downloads:LookupCacheFiles</c> is above 0.
    /// </summary>
    public PackageFileCache FileLookups { get; }

    /// <summary>Live job logs, read by the API while a job runs.</summary>
    public IJobLogStore JobLogs { get; }

    /// <summary>The backend's own readiness checks (<see cref="StoreParts.Checks"/>).</summary>
    public IReadOnlyList<Func<CancellationToken, Task<HealthCheck>>> BackendChecks { get; }

    public PackageService Packages { get; }

    public IdempotencyGate Idempotency { get; }

    public RetentionService Retention { get; }

    public RetentionSweeper Sweeper { get; }

    public GarbageCollector Collector { get; }

    /// <summary>The last sweeps and GC runs of this process, shown by the dashboard.</summary>
    public MaintenanceRuns Runs { get; } = new();

    public TokenService Tokens { get; }

    /// <summary>Resumable upload sessions, or null when the backend keeps none (docs/upload.md, "Upload sessions").</summary>
    public UploadService? Uploads { get; }

    /// <summary>The worker pool; started by the server after recovery, idle in operator commands.</summary>
    public JobRunner JobRunner { get; }

    public JobService Jobs { get; }

    /// <summary>The OCI distribution model over packages, behind <c>/v2/</c> (docs/oci.md).</summary>
    public OciRegistry Oci { get; }

    /// <summary>Steps the server runs after it starts listening and before it reports ready (see <see cref="StartupRecovery"/>).</summary>
    public StartupRecovery Recovery { get; } = new();

    /// <summary>Opens (or creates) the data root named by the options and everything on it.</summary>
    /// <remarks>The hooks are test hooks at the GC protocol's step boundaries; production passes none.</remarks>
    public static async Task<Result<StoreRuntime>> OpenAsync(StoreOptions options, TimeProvider? time = null, ProtocolHooks? hooks = null, CancellationToken cancellationToken = default)
    {
        time ??= TimeProvider.System;
        var backend = StoreBackends.Find(options);
        var opened = DataRoot.OpenOrCreate(options.DataRoot, options.Profile, BuildInfo.Revision, time, backend.Layout);
        if (!opened.IsSuccess)
        {
            return opened.Error;
        }

        var root = opened.Value;
        try
        {
            var parts = await backend.OpenAsync(root, time, cancellationToken);
            if (!parts.IsSuccess)
            {
                root.Dispose();
                return parts.Error;
            }

            return new StoreRuntime(root, options, backend, parts.Value, time, hooks);
        }
        catch
        {
            root.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await JobRunner.DisposeAsync();
        Sweeper.Dispose();
        Collector.Dispose();
        await Database.DisposeAsync();
        (Blobs as IDisposable)?.Dispose(); // an object store's client
        Root.Dispose();
    }
}
