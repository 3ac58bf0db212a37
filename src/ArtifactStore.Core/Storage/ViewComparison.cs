namespace ArtifactStore.Core.Storage;

/// <summary>The outcome of comparing the stored views with a replay of the log.</summary>
/// <param name="EventsReplayed">How many events the replay applied.</param>
/// <param name="Differences">The differing rows described (at most the number asked for per table).</param>
/// <param name="DifferenceCount">All differing rows, described or not.</param>
/// <param name="ReplayFailure">Why the replay stopped early (a damaged or unknown event), or null.</param>
/// <param name="NotCompared">Why no comparison was made (a schema this binary does not project into), or null.</param>
public sealed record ViewComparison(long EventsReplayed, IReadOnlyList<ViewDifference> Differences, long DifferenceCount, string? ReplayFailure, string? NotCompared = null);
