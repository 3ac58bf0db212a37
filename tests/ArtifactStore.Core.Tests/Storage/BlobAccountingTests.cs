using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Core.Tests.Storage;

public sealed class BlobAccountingTests
{
    private static readonly BlobDigest Digest = BlobDigest.Parse(new string('a', 64));
    private static readonly DateTimeOffset At = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void a_first_reference_creates_a_live_row_with_one_reference()
    {
        var row = BlobAccounting.Referenced(null, Digest, "b3", 42);
        Assert.Equal(new BlobRow(Digest, "b3", 42, 1, BlobState.Live, null), row);
    }

    [Fact]
    public void another_reference_counts_up_and_keeps_the_recorded_hash_and_size()
    {
        var row = BlobAccounting.Referenced(new BlobRow(Digest, "b3", 42, 2, BlobState.Live, null), Digest, "other", 7);
        Assert.Equal(new BlobRow(Digest, "b3", 42, 3, BlobState.Live, null), row);
    }

    [Theory]
    [InlineData(BlobState.Condemned)]
    [InlineData(BlobState.Deleting)]
    public void a_reference_resurrects_a_condemned_or_deleting_row(BlobState state)
    {
        var row = BlobAccounting.Referenced(new BlobRow(Digest, "b3", 42, 0, state, At), Digest, "b3", 42);
        Assert.Equal(new BlobRow(Digest, "b3", 42, 1, BlobState.Live, null), row);
    }

    [Fact]
    public void releasing_the_last_reference_condemns_the_blob_as_of_the_release()
    {
        var row = BlobAccounting.Released(new BlobRow(Digest, "b3", 42, 1, BlobState.Live, null), At);
        Assert.Equal(new BlobRow(Digest, "b3", 42, 0, BlobState.Condemned, At), row);
    }

    [Fact]
    public void releasing_one_of_several_references_only_counts_down()
    {
        var row = BlobAccounting.Released(new BlobRow(Digest, "b3", 42, 3, BlobState.Live, null), At);
        Assert.Equal(new BlobRow(Digest, "b3", 42, 2, BlobState.Live, null), row);
    }

    [Fact]
    public void releasing_a_blob_without_a_row_changes_nothing()
    {
        Assert.Null(BlobAccounting.Released(null, At));
    }

    [Fact]
    public void a_reaped_blob_has_no_row()
    {
        Assert.Null(BlobAccounting.Reaped(new BlobRow(Digest, "b3", 42, 0, BlobState.Deleting, At)));
    }

    [Fact]
    public void created_then_deleted_then_referenced_again_is_live_with_one_reference()
    {
        var created = BlobAccounting.Referenced(null, Digest, "b3", 42);
        var condemned = BlobAccounting.Released(created, At);
        var resurrected = BlobAccounting.Referenced(condemned, Digest, "b3", 42);
        Assert.Equal(BlobState.Condemned, condemned!.State);
        Assert.Equal(new BlobRow(Digest, "b3", 42, 1, BlobState.Live, null), resurrected);
    }
}
