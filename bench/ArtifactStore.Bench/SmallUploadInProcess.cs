using System.Buffers.Binary;
using System.Diagnostics;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Roots;
using ArtifactStore.Sqlite;

namespace ArtifactStore.Bench;

/// <summary>
/// The small-upload workload without HTTP: concurrent callers of <see cref="PackageService"/> on a
/// real data root, to tell the store's own cost from the web server's and the client's.
/// </summary>
internal static class SmallUploadInProcess
{
    public static async Task<(double Rate, long Created, long Batches)> RunAsync(string root, int clients, TimeSpan warmUp, TimeSpan duration)
    {
        var options = new StoreOptions { DataRoot = root };
        var backend = new Embedded.EmbeddedBackend();
        using var dataRoot = DataRoot.OpenOrCreate(root, options.Profile, "bench", TimeProvider.System, backend.Layout).Value;
        var parts = (await backend.OpenAsync(dataRoot, TimeProvider.System, CancellationToken.None)).Value;
        var database = (SqliteStoreDatabase)parts.Database;
        await using var databaseScope = database;
        var blobs = new InlineBlobStore(parts.Blobs, database.Views); // as the server composes it
        var packages = new PackageService(database, blobs, options, TimeProvider.System);

        _ = await LoadAsync(packages, clients, warmUp, round: 0);
        var batchesBefore = database.CommittedBatches;
        var (created, elapsed) = await LoadAsync(packages, clients, duration, round: 1);
        return (created / elapsed.TotalSeconds, created, database.CommittedBatches - batchesBefore);
    }

    private static async Task<(long Created, TimeSpan Elapsed)> LoadAsync(PackageService packages, int clients, TimeSpan duration, int round)
    {
        long created = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(1, clients).Select(client => Task.Run(async () =>
        {
            for (var n = 0; watch.Elapsed < duration; n++)
            {
                var content = new byte[4096];
                Random.Shared.NextBytes(content);
                BinaryPrimitives.WriteInt32LittleEndian(content, client);
                BinaryPrimitives.WriteInt32LittleEndian(content.AsSpan(4), n);
                BinaryPrimitives.WriteInt32LittleEndian(content.AsSpan(8), round);
                await using var upload = packages.BeginUpload();
                _ = upload.AddField("name", $"bench/small/{client}");
                _ = await upload.AddFileAsync($"f{n}.bin", "application/octet-stream", new MemoryStream(content), CancellationToken.None);
                var result = await packages.CreateAsync(upload, "bench", null, CancellationToken.None);
                if (result.IsSuccess)
                {
                    Interlocked.Increment(ref created);
                }
            }
        })));
        return (created, watch.Elapsed);
    }
}
