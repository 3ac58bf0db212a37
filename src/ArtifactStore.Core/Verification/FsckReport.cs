namespace ArtifactStore.Core.Verification;

/// <summary>What one fsck run checked and found.</summary>
/// <param name="Events">Events whose hashes were recomputed.</param>
/// <param name="HeadSeq">The last event's position (0 for an empty log).</param>
/// <param name="BlobRows">Blob rows in the database.</param>
/// <param name="BlobsVerified">Blobs whose bytes were read and both digests recomputed.</param>
/// <param name="BytesVerified">Bytes read to verify them.</param>
/// <param name="LiveReferences">File and manifest references of live packages checked.</param>
/// <param name="Findings">Every problem, damage first.</param>
/// <param name="Notes">Things that are as they should be but worth knowing (GC work in progress, skipped checks).</param>
public sealed record FsckReport(
    long Events,
    long HeadSeq,
    long BlobRows,
    long BlobsVerified,
    long BytesVerified,
    long LiveReferences,
    IReadOnlyList<FsckFinding> Findings,
    IReadOnlyList<string> Notes)
{
    public bool IsClean => Findings.Count == 0;

    public bool HasDamage => Findings.Any(f => f.IsDamage);

    public IEnumerable<FsckFinding> Of(FsckFindingKind kind) => Findings.Where(f => f.Kind == kind);
}
