using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Packages;

namespace ArtifactStore.Conformance.Tests.S3;

/// <summary>
/// The object store going away: every failure is <c>storage_unavailable</c> (whatever the SDK raised), an
/// upload that meets it records nothing and leaves nothing staged, and the same store works again once the
/// object store is back. The outage is a proxy in front of the real S3 server that is stopped and started.
/// </summary>
public sealed class S3OutageTests
{
    private static readonly Dictionary<string, string> Files = new() { ["a.txt"] = "during the outage", ["b.txt"] = "second file" };

    [Fact]
    public async Task an_upload_during_an_outage_fails_as_storage_unavailable_records_nothing_and_succeeds_once_s3_is_back()
    {
        using var proxy = new TcpProxy(new Uri(S3Server()));
        proxy.Start();
        var store = await TestStore.OpenAsync(new RedirectedS3Fixture(proxy.Url, TimeSpan.FromSeconds(10)));
        try
        {
            Assert.True((await store.CreateAsync("before", new Dictionary<string, string> { ["x.txt"] = "before the outage" })).IsSuccess);
            var head = await store.Database.Views.GetHeadSeqAsync(CancellationToken.None);
            var blobs = await store.CountBlobsAsync();

            proxy.Stop();
            var failure = await Assert.ThrowsAnyAsync<Exception>(() => store.CreateAsync("during", Files));
            Assert.True(StorageUnavailable.IsCause(failure), failure.ToString());
            Assert.Contains(StorageUnavailable.Message, failure.Message, StringComparison.Ordinal);
            Assert.False((await store.Blobs.CheckWritableAsync(CancellationToken.None)).IsOk);
            await Assert.ThrowsAsync<StorageUnavailableException>(() => store.Blobs.ListAsync(CancellationToken.None).ToListAsync().AsTask());

            // Nothing of the failed upload: no event, no package, nothing staged left behind.
            Assert.Equal(head, await store.Database.Views.GetHeadSeqAsync(CancellationToken.None));
            var live = await store.Database.Views.ListPackagesAsync(new PackageQuery(null, [], PackageState.Live, null, 100), CancellationToken.None);
            Assert.Equal(["before"], live.Items.Select(p => p.Name));
            Assert.Equal(0, await store.CountStagedAsync());

            proxy.Start();
            Assert.True((await store.Blobs.CheckWritableAsync(CancellationToken.None)).IsOk);
            Assert.Equal(blobs, await store.CountBlobsAsync());
            var after = await store.CreateAsync("during", Files);
            Assert.True(after.IsSuccess);
            Assert.True(await store.Database.Views.GetHeadSeqAsync(CancellationToken.None) > head);
            var reader = new BlobReader(store.Blobs);
            foreach (var file in after.Value.Package.Files)
            {
                await using var blob = (await reader.OpenAsync(file.Sha256, file.Size, needRandomAccess: false, CancellationToken.None)).Value;
                using var text = new StreamReader(blob.Stream);
                Assert.Equal(Files[file.Path], await text.ReadToEndAsync());
            }

            await store.AssertViewsMatchReplayAsync();
        }
        finally
        {
            proxy.Start();
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_server_that_accepts_but_never_answers_times_out_as_storage_unavailable()
    {
        using var hung = new TcpProxy(new Uri(S3Server()), answer: false);
        hung.Start();
        var store = await TestStore.OpenAsync(new RedirectedS3Fixture(hung.Url, TimeSpan.FromSeconds(1)));
        try
        {
            var digest = BlobDigest.Parse(new string('a', 64));
            await Assert.ThrowsAsync<StorageUnavailableException>(() => store.Blobs.StatAsync(digest, CancellationToken.None));
            var staged = (await store.Blobs.StageAsync(new MemoryStream([1, 2, 3]), long.MaxValue, CancellationToken.None)).Value;
            await Assert.ThrowsAsync<StorageUnavailableException>(() => store.Blobs.PutAsync(staged, CancellationToken.None));
            await store.Blobs.DiscardAsync(staged, CancellationToken.None);
            Assert.Equal(0, await store.CountStagedAsync());
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task the_callers_cancellation_stays_a_cancellation()
    {
        using var hung = new TcpProxy(new Uri(S3Server()), answer: false);
        hung.Start();
        var store = await TestStore.OpenAsync(new RedirectedS3Fixture(hung.Url, TimeSpan.FromSeconds(30)));
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            var failure = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.Blobs.StatAsync(BlobDigest.Parse(new string('b', 64)), cancel.Token));
            Assert.False(StorageUnavailable.IsCause(failure));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    private static string S3Server() =>
        Environment.GetEnvironmentVariable(S3BackendFixture.ServerVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{S3BackendFixture.ServerVariable} is not set: run ./test or start tests/tools/s3rver");
}
