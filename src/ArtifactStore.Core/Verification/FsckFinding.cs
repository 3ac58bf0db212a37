using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Core.Verification;

/// <summary>One problem fsck found, named precisely: the blob's digest, the event's seq, the view row's key.</summary>
/// <param name="Kind">What kind of problem.</param>
/// <param name="Subject">What it concerns: <c>sha256:…</c>, <c>event 17</c>, <c>view packages id=…</c>.</param>
/// <param name="Message">What is wrong, for the operator.</param>
/// <param name="Blob">The blob concerned, for blob findings.</param>
/// <param name="Staged">The staging entry concerned, for <see cref="FsckFindingKind.StagingLeftover"/>.</param>
public sealed record FsckFinding(FsckFindingKind Kind, string Subject, string Message, BlobDigest? Blob = null, StagingEntry? Staged = null)
{
    /// <summary>Damage needs an operator (a backup); unreferenced data is only garbage that GC or repair removes.</summary>
    public bool IsDamage => Kind is not (FsckFindingKind.UnreferencedBytes or FsckFindingKind.UnreferencedRow or FsckFindingKind.StagingLeftover);
}
