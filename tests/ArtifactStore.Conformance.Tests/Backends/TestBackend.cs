using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Conformance.Tests.Backends;

/// <summary>
/// One opened store of a backend: the two ports the services run on, and the few things a test needs
/// that the ports do not offer (a consistent snapshot, damage done behind the store's back, a count of
/// staged copies left over).
/// </summary>
public abstract class TestBackend : IAsyncDisposable
{
    /// <summary>The database, initialized.</summary>
    public abstract IStoreDatabase Database { get; }

    public abstract IBlobStore Blobs { get; }

    /// <summary>The live job logs.</summary>
    public abstract IJobLogStore JobLogs { get; }

    /// <summary>A read-only snapshot of the database as it is now (fsck's view of it).</summary>
    public abstract Task<IStoreSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken);

    /// <summary>Staged copies neither published nor discarded yet: 0 once every upload has ended.</summary>
    public abstract Task<int> CountStagedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Flips one bit of the stored bytes of <paramref name="digest"/> at <paramref name="offset"/>, as bit rot
    /// or a careless operator would, without going through the store. The blob's version
    /// (<see cref="BlobContent.Version"/>) changes, as it does whenever stored bytes are replaced.
    /// </summary>
    public abstract Task CorruptBlobAsync(BlobDigest digest, long offset, CancellationToken cancellationToken);

    /// <summary>Closes the store, as a stopping process does; its data stays for the next open.</summary>
    public abstract ValueTask DisposeAsync();
}
