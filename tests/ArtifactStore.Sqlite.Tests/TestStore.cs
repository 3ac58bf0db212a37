using System.Text;
using ArtifactStore.Conformance.Tests.Embedded;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Gc;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Retention;
using ArtifactStore.Core.Roots;
using ArtifactStore.FileSystem;
using Microsoft.Extensions.Time.Testing;

namespace ArtifactStore.Sqlite.Tests;

/// <summary>A real store on a temporary data root: SQLite file, filesystem blobs, a fake clock the test moves.</summary>
internal sealed class TestStore : IAsyncDisposable
{
    private TestStore(string directory, EmbeddedStore store, StoreOptions options, FakeTimeProvider time)
    {
        Directory = directory;
        Store = store;
        Options = options;
        Time = time;
        Packages = new PackageService(store.Database, store.Blobs, options, time);
        Retention = new RetentionService(store.Database);
        Sweeper = new RetentionSweeper(store.Database, time);
    }

    public RetentionService Retention { get; }

    public RetentionSweeper Sweeper { get; }

    /// <summary>A collector with the given grace period (tests vary it on the same store).</summary>
    public GarbageCollector Collector(TimeSpan grace) =>
        new(Database, Blobs, Time, Options.Gc with { BlobGracePeriod = grace });

    public string Directory { get; }

    private EmbeddedStore Store { get; }

    public DataRoot Root => Store.Root;

    public SqliteStoreDatabase Database => Store.Database;

    public FileSystemBlobStore Blobs => Store.Blobs;

    public StoreOptions Options { get; }

    public FakeTimeProvider Time { get; }

    public PackageService Packages { get; }

    public static async Task<TestStore> OpenAsync(string? directory = null, StoreOptions? options = null)
    {
        directory ??= Path.Combine(Path.GetTempPath(), "as-sqlite-" + Guid.NewGuid().ToString("N"));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero));
        options ??= new StoreOptions { DataRoot = directory };
        var store = await EmbeddedStore.OpenAsync(directory, time, options.Profile);
        return new TestStore(directory, store, options, time);
    }

    public async Task<Result<PackageCreation>> CreateAsync(
        string name,
        IReadOnlyDictionary<string, string> files,
        string? retentionClass = null,
        IEnumerable<string>? labels = null,
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

        return await Packages.CreateAsync(upload, actor, claim: null, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
