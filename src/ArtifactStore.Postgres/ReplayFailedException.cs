namespace ArtifactStore.Postgres;

/// <summary>An event could not be applied to the views during a replay (a damaged or unknown event).</summary>
internal sealed class ReplayFailedException(long seq, Exception inner)
    : Exception($"event {seq} cannot be replayed: {inner.Message}", inner)
{
    public long Seq { get; } = seq;
}
