namespace ArtifactStore.Core.Storage;

/// <summary>The text every database adapter stores for a <see cref="BlobState"/> (<c>live</c>, <c>condemned</c>, <c>deleting</c>).</summary>
public static class BlobStates
{
    public static string ToText(BlobState state) => state switch
    {
        BlobState.Live => "live",
        BlobState.Condemned => "condemned",
        BlobState.Deleting => "deleting",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    /// <exception cref="InvalidDataException">The text names no state (a damaged row).</exception>
    public static BlobState Parse(string text) => text switch
    {
        "live" => BlobState.Live,
        "condemned" => BlobState.Condemned,
        "deleting" => BlobState.Deleting,
        _ => throw new InvalidDataException($"unknown blob state '{text}'"),
    };
}
