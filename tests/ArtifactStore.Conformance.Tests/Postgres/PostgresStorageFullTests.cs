using ArtifactStore.Core.Errors;
using ArtifactStore.Postgres;
using Npgsql;

namespace ArtifactStore.Conformance.Tests.Postgres;

/// <summary>
/// PostgreSQL's own "disk full" is the store's storage-full condition (507 at the server); other
/// database errors pass through unchanged. A real full disk under the database server is not staged
/// here: the translation is the adapter's whole share of that path.
/// </summary>
public sealed class PostgresStorageFullTests
{
    [Fact]
    public void disk_full_from_the_server_is_storage_full()
    {
        var failure = new PostgresException("could not extend file \"base/1/2\": No space left on device", "ERROR", "ERROR", "53100");

        var translated = PostgresStorageFull.Translate(failure);

        var full = Assert.IsType<StorageFullException>(translated);
        Assert.Same(failure, full.InnerException);
        Assert.True(StorageFull.IsCause(translated));
        Assert.Contains("No space left on device", full.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("53200")] // out_of_memory
    [InlineData("40001")] // serialization_failure
    [InlineData("23505")] // unique_violation
    public void other_errors_pass_through(string sqlState)
    {
        var failure = new PostgresException("something else", "ERROR", "ERROR", sqlState);

        Assert.Same(failure, PostgresStorageFull.Translate(failure));
        Assert.False(StorageFull.IsCause(failure));
    }
}
