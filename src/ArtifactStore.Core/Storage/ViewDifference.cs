namespace ArtifactStore.Core.Storage;

/// <summary>One view row that differs from what a replay of the log produces.</summary>
/// <param name="Table">The view table.</param>
/// <param name="Key">The row's key, as <c>column=value</c> pairs.</param>
/// <param name="Stored">The stored row (<c>a | b | NULL</c>), or null when the replay has a row the store lacks.</param>
/// <param name="Replayed">The replayed row, or null when the store has a row the replay does not produce.</param>
public sealed record ViewDifference(string Table, string Key, string? Stored, string? Replayed)
{
    public string Describe() => (Stored, Replayed) switch
    {
        (null, _) => $"view {Table}: row {Key} is missing (a replay of the log has it: {Replayed})",
        (_, null) => $"view {Table}: row {Key} is not produced by a replay of the log (stored: {Stored})",
        _ => $"view {Table}: row {Key} differs from a replay of the log (stored: {Stored}; replayed: {Replayed})",
    };
}
