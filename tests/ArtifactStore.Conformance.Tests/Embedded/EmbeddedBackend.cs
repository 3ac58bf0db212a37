using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Storage;
using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Sqlite;

namespace ArtifactStore.Conformance.Tests.Embedded;

/// <summary>The embedded backend as the contracts see it.</summary>
internal sealed class EmbeddedBackend(EmbeddedStore store) : TestBackend
{
    public override IStoreDatabase Database => store.Database;

    public override IBlobStore Blobs => store.Blobs;

    public override IJobLogStore JobLogs => store.JobLogs;

    public override Task<IStoreSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IStoreSnapshot>(SqliteSnapshot.Open(store.Database.DatabasePath));

    public override Task<int> CountStagedAsync(CancellationToken cancellationToken) =>
        Task.FromResult(Directory.EnumerateFileSystemEntries(store.Root.TempDirectory).Count());

    public override async Task CorruptBlobAsync(BlobDigest digest, long offset, CancellationToken cancellationToken)
    {
        var path = store.Blobs.PathOf(digest);
        var before = File.GetLastWriteTimeUtc(path);
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = offset;
            var b = file.ReadByte();
            file.Position = offset;
            file.WriteByte((byte)(b ^ 0x01));
        }

        // The version of filesystem bytes is their modification time: make sure it moved even on a coarse clock.
        File.SetLastWriteTimeUtc(path, before.AddSeconds(5));
    }

    public override ValueTask DisposeAsync() => store.DisposeAsync();
}
