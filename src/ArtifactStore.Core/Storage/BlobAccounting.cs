using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Core.Storage;

/// <summary>
/// The reference-count and condemn/resurrect rules of GC (docs/gc.md), written once for every backend:
/// given a blob's row before an event (null when there is none), each method returns the row after it.
/// A backend's projector reads the rows an event touches, asks these rules and stores what they return,
/// so live writes and replay give the same rows on every backend.
/// </summary>
public static class BlobAccounting
{
    /// <summary>
    /// A package was created referencing the blob (once per package, however many of its files share the
    /// blob). A new row starts live with one reference; an existing row gains one and becomes live again,
    /// whatever its GC state was (resurrection: a reference makes a condemned blob live). Its recorded
    /// BLAKE3 and size stay those of the first reference.
    /// </summary>
    public static BlobRow Referenced(BlobRow? current, BlobDigest digest, string blake3Hex, long size) =>
        current is null
            ? new BlobRow(digest, blake3Hex, size, RefCount: 1, BlobState.Live, CondemnedAt: null)
            : current with { RefCount = current.RefCount + 1, State = BlobState.Live, CondemnedAt = null };

    /// <summary>
    /// A deleted package released its reference. The last reference going condemns the blob as of
    /// <paramref name="at"/> (the reaper removes it after the grace period); otherwise only the count
    /// drops. Null (no row) stays null: there is nothing to release.
    /// </summary>
    public static BlobRow? Released(BlobRow? current, DateTimeOffset at) =>
        current switch
        {
            null => null,
            { RefCount: 1 } => current with { RefCount = 0, State = BlobState.Condemned, CondemnedAt = at },
            _ => current with { RefCount = current.RefCount - 1 },
        };

    /// <summary>
    /// A finished upload no package references yet put the blob's bytes again (<c>v1.blob.revived</c>). A condemned
    /// blob's grace period starts again at <paramref name="at"/>: the reaper leaves it as long as it leaves a fresh
    /// upload's bytes, and a package that references it within that time makes it live. It stays unreferenced, so it
    /// is collected a grace period after the upload if none does. Any other row is left as it is.
    /// </summary>
    public static BlobRow? Revived(BlobRow? current, DateTimeOffset at) =>
        current is { State: BlobState.Condemned } ? current with { CondemnedAt = at } : current;

    /// <summary>The blob was reaped (<c>v1.blob.reaped</c>): its bytes are gone and so is its row.</summary>
    public static BlobRow? Reaped(BlobRow? current) => null;
}
