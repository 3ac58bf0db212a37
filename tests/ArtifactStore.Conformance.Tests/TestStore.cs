using System.Text;
using System.Text.Json;
using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Gc;
using ArtifactStore.Core.Idempotency;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Retention;
using ArtifactStore.Core.Storage;
using Microsoft.Extensions.Time.Testing;

namespace ArtifactStore.Conformance.Tests;

/// <summary>A real store of the backend under test, the domain services on top of it and a fake clock the test moves.</summary>
public sealed class TestStore : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private bool _closed;

    private TestStore(StoreBackendFixture fixture, string directory, TestBackend backend, StoreOptions options, FakeTimeProvider time, ProtocolHooks? hooks)
    {
        Fixture = fixture;
        Directory = directory;
        Backend = backend;
        Options = options;
        Time = time;
        Hooks = hooks;
        BlobReader = new BlobReader(backend.Blobs);
        Packages = new PackageService(backend.Database, backend.Blobs, options, time, hooks, FileLookups);
        Idempotency = new IdempotencyGate(backend.Database, options.IdempotencyWindow);
        Retention = new RetentionService(backend.Database);
        Sweeper = new RetentionSweeper(backend.Database, time);
    }

    public StoreBackendFixture Fixture { get; }

    public string Directory { get; }

    public TestBackend Backend { get; }

    public IStoreDatabase Database => Backend.Database;

    public IBlobStore Blobs => Backend.Blobs;

    public StoreOptions Options { get; }

    public FakeTimeProvider Time { get; }

    public ProtocolHooks? Hooks { get; }

    public BlobReader BlobReader { get; }

    public PackageService Packages { get; }

    /// <summary>The downloads' file-lookup cache, shared by <see cref="Packages"/> and every <see cref="Collector"/> as the server shares it.</summary>
    public PackageFileCache FileLookups { get; } = new(1000);

    public IdempotencyGate Idempotency { get; }

    public RetentionService Retention { get; }

    public RetentionSweeper Sweeper { get; }

    /// <summary>Where job runners keep their working directories.</summary>
    public string JobsDirectory => Path.Combine(Directory, "jobs");

    /// <summary>Options with the built-in retention classes plus <c>short</c> (one minute).</summary>
    public static StoreOptions WithShortClass(string directory)
    {
        var classes = RetentionOptions.BuiltIn.ToDictionary(c => c.Name, StringComparer.Ordinal);
        classes["short"] = new RetentionClass("short", TimeSpan.FromMinutes(1));
        return new StoreOptions { DataRoot = directory, Retention = new RetentionOptions { Classes = classes } };
    }

    /// <summary>A fresh directory for a store of its own.</summary>
    public static string NewDirectory() => Path.Combine(Path.GetTempPath(), "as-conf-" + Guid.NewGuid().ToString("N"));

    /// <summary>
    /// Opens a store on <paramref name="directory"/> (a new one when null). <paramref name="options"/> may
    /// change anything but <see cref="StoreOptions.DataRoot"/>, which is set to the directory.
    /// </summary>
    public static async Task<TestStore> OpenAsync(
        StoreBackendFixture fixture,
        Func<string, StoreOptions>? options = null,
        FakeTimeProvider? time = null,
        ProtocolHooks? hooks = null,
        string? directory = null)
    {
        directory ??= NewDirectory();
        time ??= new FakeTimeProvider(Start);
        var storeOptions = (options ?? WithShortClass)(directory) with { DataRoot = directory };
        var backend = await fixture.OpenAsync(directory, time, CancellationToken.None);
        return new TestStore(fixture, directory, backend, storeOptions, time, hooks);
    }

    /// <summary>Closes the store and opens the same one again, as a restart would. Use the returned store from then on.</summary>
    public async Task<TestStore> ReopenAsync()
    {
        await CloseAsync();
        var backend = await Fixture.OpenAsync(Directory, Time, CancellationToken.None);
        return new TestStore(Fixture, Directory, backend, Options, Time, Hooks);
    }

    /// <summary>A collector with the given grace period (tests vary it on the same store).</summary>
    public GarbageCollector Collector(TimeSpan grace) =>
        new(Database, Blobs, Time, Options.Gc with { BlobGracePeriod = grace }, Hooks, fileLookups: FileLookups);

    /// <summary>A job runner on this store; the caller starts and disposes it.</summary>
    public JobRunner JobRunner() => JobRunner(Options);

    /// <summary>A job runner on this store with other options (job types, leases); the caller starts and disposes it.</summary>
    public JobRunner JobRunner(StoreOptions options) => new(Database, BlobReader, Packages, options, JobsDirectory, Backend.JobLogs, Time);

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

    /// <summary>Addresses that hold bytes.</summary>
    public async Task<int> CountBlobsAsync() => await Blobs.ListAsync(CancellationToken.None).CountAsync();

    public Task<int> CountStagedAsync() => Backend.CountStagedAsync(CancellationToken.None);

    /// <summary>
    /// The stored views equal a replay of the log: fsck's comparison finds no difference, and rebuilding
    /// the views from the events changes nothing that the ports can read. Returns what was read.
    /// </summary>
    public async Task<string> AssertViewsMatchReplayAsync()
    {
        await using (var snapshot = await Backend.OpenSnapshotAsync(CancellationToken.None))
        {
            var comparison = await snapshot.CompareViewsWithReplayAsync(20, CancellationToken.None);
            Assert.Null(comparison.ReplayFailure);
            Assert.Null(comparison.NotCompared);
            Assert.True(comparison.DifferenceCount == 0, string.Join("\n", comparison.Differences.Select(d => d.Describe())));
            Assert.Equal(await Database.Views.GetHeadSeqAsync(CancellationToken.None), comparison.EventsReplayed);
        }

        var live = await ReadViewsAsync();
        await Database.RebuildViewsAsync(CancellationToken.None);
        var rebuilt = await ReadViewsAsync();
        Assert.Equal(live, rebuilt);
        return live;
    }

    /// <summary>Everything the views answer, as text: packages (live and tombstones), blob rows, jobs, leases, tokens.</summary>
    public async Task<string> ReadViewsAsync()
    {
        var text = new StringBuilder();
        foreach (var state in new[] { PackageState.Live, PackageState.Deleted })
        {
            var page = await Database.Views.ListPackagesAsync(new PackageQuery(null, [], state, null, 10_000), CancellationToken.None);
            foreach (var package in page.Items.OrderBy(p => p.Id))
            {
                text.AppendLine(JsonSerializer.Serialize(await Database.Views.GetPackageAsync(package.Id, CancellationToken.None)));
            }
        }

        await using (var snapshot = await Backend.OpenSnapshotAsync(CancellationToken.None))
        {
            await foreach (var row in snapshot.ReadBlobRowsAsync(CancellationToken.None))
            {
                text.AppendLine(JsonSerializer.Serialize(row));
            }

            await foreach (var reference in snapshot.ReadLiveReferencesAsync(CancellationToken.None))
            {
                text.AppendLine(JsonSerializer.Serialize(reference));
            }
        }

        var jobs = await Database.Views.ListJobsAsync(new JobQuery(null, null, null, 10_000), CancellationToken.None);
        foreach (var job in jobs.Items.OrderBy(j => j.Id))
        {
            text.AppendLine(JsonSerializer.Serialize(job));
        }

        foreach (var lease in (await Database.Views.ListJobLeasesAsync(CancellationToken.None)).OrderBy(l => l.JobId))
        {
            text.AppendLine(JsonSerializer.Serialize(lease));
        }

        foreach (var token in await Database.Views.ListTokensAsync(CancellationToken.None))
        {
            text.AppendLine(JsonSerializer.Serialize(token));
        }

        return text.ToString();
    }

    public async Task CloseAsync()
    {
        if (!_closed)
        {
            _closed = true;
            await Backend.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        await Fixture.DeleteAsync(Directory, CancellationToken.None);
    }
}
