namespace ArtifactStore.Core.Verification;

/// <summary>What fsck found. The first five are damage; the last three are data nothing needs, which GC or repair removes.</summary>
public enum FsckFindingKind
{
    /// <summary>A blob's bytes do not match its SHA-256 address, its recorded BLAKE3 digest or its size.</summary>
    CorruptBlob,

    /// <summary>A blob a live package needs (or a row counts as referenced) has no bytes.</summary>
    MissingBlob,

    /// <summary>The event log's hash chain does not hold from some event on.</summary>
    ChainBroken,

    /// <summary>An event cannot be applied to the views (damaged payload, or a type this binary does not know).</summary>
    ReplayFailed,

    /// <summary>A view row differs from what a replay of the log produces.</summary>
    ViewDiffers,

    /// <summary>Bytes with no row, older than the GC grace period: left by an upload that never committed.</summary>
    UnreferencedBytes,

    /// <summary>A row no package references, condemned longer than the grace period or left being deleted.</summary>
    UnreferencedRow,

    /// <summary>A staged copy in <c>tmp/</c> older than the grace period: an upload that ended without discarding it.</summary>
    StagingLeftover,
}
