using System.Text;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Gc;
using ArtifactStore.Core.Idempotency;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Retention;
using ArtifactStore.Core.Roots;
using ArtifactStore.FileSystem;

namespace ArtifactStore.Sqlite.Tests;

/// <summary>A real store on a temporary data root: SQLite file, filesystem blobs, a hand-moved clock.</summary>
internal sealed class TestStore : IAsyncDisposable
{
    private TestStore(string directory, DataRoot root, SqliteStoreDatabase database, FileSystemBlobStore blobs, StoreOptions options, ManualTimeProvider time, ProtocolHooks? hooks)
    {
        Hooks = hooks;
        Directory = directory;
        Root = root;
        Database = database;
        Blobs = blobs;
        Options = options;
        Time = time;
        Packages = new PackageService(database, blobs, options, time, hooks);
        Idempotency = new IdempotencyGate(database, options.IdempotencyWindow);
        Retention = new RetentionService(database);
        Sweeper = new RetentionSweeper(database, time);
    }

    public ProtocolHooks? Hooks { get; }

    public RetentionService Retention { get; }

    public RetentionSweeper Sweeper { get; }

    /// <summary>A collector with the given grace period (tests vary it on the same store).</summary>
    public GarbageCollector Collector(TimeSpan grace) =>
        new(Database, Blobs, Time, Options.Gc with { BlobGracePeriod = grace }, Hooks);

    public string Directory { get; }

    public DataRoot Root { get; }

    public SqliteStoreDatabase Database { get; }

    public FileSystemBlobStore Blobs { get; }

    public StoreOptions Options { get; }

    public ManualTimeProvider Time { get; }

    public PackageService Packages { get; }

    public IdempotencyGate Idempotency { get; }

    public static async Task<TestStore> OpenAsync(string? directory = null, StoreOptions? options = null, ManualTimeProvider? time = null, ProtocolHooks? hooks = null)
    {
        directory ??= Path.Combine(Path.GetTempPath(), "as-sqlite-" + Guid.NewGuid().ToString("N"));
        time ??= new ManualTimeProvider(new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero));
        options ??= new StoreOptions { DataRoot = directory };
        var root = DataRoot.OpenOrCreate(directory, options.Profile, "test", time).Value;
        var database = new SqliteStoreDatabase(root.DatabaseDirectory, time);
        await database.InitializeAsync(CancellationToken.None);
        var blobs = new FileSystemBlobStore(root.BlobDirectory, root.TempDirectory);
        return new TestStore(directory, root, database, blobs, options, time, hooks);
    }

    /// <summary>Closes and opens the same root again, as a restart would.</summary>
    public async Task<TestStore> ReopenAsync()
    {
        await CloseAsync();
        return await OpenAsync(Directory, Options, Time, Hooks);
    }

    public async Task<Result<PackageCreation>> CreateAsync(
        string name,
        IReadOnlyDictionary<string, string> files,
        string? retentionClass = null,
        IEnumerable<string>? labels = null,
        IdempotencyClaim? claim = null,
        string actor = "tester")
    {
        await using var upload = Packages.BeginUpload();
        Assert.Null(upload.AddField("name", name));
        if (retentionClass is not null)
        {
            Assert.Null(upload.AddField("retention_class", retentionClass));
        }

        foreach (var label in labels ?? [])
        {
            Assert.Null(upload.AddField("label", label));
        }

        foreach (var (path, content) in files)
        {
            Assert.Null(await upload.AddFileAsync(path, "text/plain", new MemoryStream(Encoding.UTF8.GetBytes(content)), CancellationToken.None));
        }

        return await Packages.CreateAsync(upload, actor, claim, CancellationToken.None);
    }

    public int BlobFileCount() =>
        System.IO.Directory.EnumerateFiles(Root.BlobDirectory, "*", SearchOption.AllDirectories).Count();

    public int TempEntryCount() =>
        System.IO.Directory.EnumerateFileSystemEntries(Root.TempDirectory).Count();

    public async Task CloseAsync()
    {
        await Database.DisposeAsync();
        Root.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
