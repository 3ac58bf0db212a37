namespace ArtifactStore.Core.Errors;

/// <summary>
/// An expected failure with a stable machine-readable <see cref="Code"/> (see <see cref="ErrorCodes"/>).
/// Hosts translate codes to transport statuses in one place; the domain never sees HTTP.
/// </summary>
/// <param name="Code">Stable code such as <c>package_not_found</c>.</param>
/// <param name="Message">Human-readable explanation, safe to show to the caller.</param>
/// <param name="Details">Extra members for the problem document (for example a tombstone); may be null.</param>
public sealed record StoreError(string Code, string Message, IReadOnlyDictionary<string, object?>? Details = null)
{
    public static StoreError Validation(string message, string? field = null) =>
        new(ErrorCodes.ValidationFailed, message, field is null ? null : new Dictionary<string, object?> { ["field"] = field });

    public override string ToString() => $"{Code}: {Message}";
}
