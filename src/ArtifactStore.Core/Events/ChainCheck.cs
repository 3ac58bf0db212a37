namespace ArtifactStore.Core.Events;

/// <summary>The outcome of checking the whole event log's hash chain.</summary>
/// <param name="Events">Events read.</param>
/// <param name="HeadSeq">The last event's seq (0 for an empty log).</param>
/// <param name="BrokenAt">The seq of the first event that does not verify, or null when the chain holds.</param>
/// <param name="Problem">What is wrong there, or null.</param>
public sealed record ChainCheck(long Events, long HeadSeq, long? BrokenAt, string? Problem);
