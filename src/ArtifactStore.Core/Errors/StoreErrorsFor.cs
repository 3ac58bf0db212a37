namespace ArtifactStore.Core.Errors;

/// <summary>Constructors for errors raised in more than one place, so their wording stays the same.</summary>
public static class StoreErrorsFor
{
    public static StoreError TooLarge(long maxBytes) =>
        new(ErrorCodes.PayloadTooLarge, $"the upload exceeds the limit of {maxBytes} bytes",
            new Dictionary<string, object?> { ["limit_bytes"] = maxBytes });
}
