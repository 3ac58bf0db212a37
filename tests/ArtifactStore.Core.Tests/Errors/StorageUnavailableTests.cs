using ArtifactStore.Core.Errors;

namespace ArtifactStore.Core.Tests.Errors;

public sealed class StorageUnavailableTests
{
    [Fact]
    public void an_adapters_exception_is_recognised_however_deeply_it_is_wrapped()
    {
        var raised = new StorageUnavailableException("S3 PUT failed", new HttpRequestException("connection refused"));
        Assert.True(StorageUnavailable.IsCause(raised));
        Assert.True(StorageUnavailable.IsCause(new InvalidOperationException("outer", raised)));
        Assert.True(StorageUnavailable.IsCause(new AggregateException(new IOException("other"), raised)));
    }

    [Fact]
    public void other_failures_are_not_storage_unavailable_and_a_full_disk_stays_a_full_disk()
    {
        Assert.False(StorageUnavailable.IsCause(new HttpRequestException("connection refused")));
        Assert.False(StorageUnavailable.IsCause(new IOException("read failed")));
        Assert.False(StorageUnavailable.IsCause(new StorageFullException()));
        Assert.False(StorageFull.IsCause(new StorageUnavailableException()));
    }

    [Fact]
    public void the_error_carries_the_stable_code()
    {
        Assert.Equal("storage_unavailable", StorageUnavailable.Error.Code);
        Assert.Equal(ErrorCodes.StorageUnavailable, StorageUnavailable.Error.Code);
    }
}
