using ArtifactStore.Core.Errors;

namespace ArtifactStore.Core.Ids;

/// <summary>
/// The one spelling of an id (package, job, hold, token): the 36-character lower-case UUID text the store writes,
/// e.g. <c>0190b6e4-8f2a-7c3d-9e4f-0a1b2c3d4e5f</c>. Everything the store reads as an id goes through
/// <see cref="TryParse"/>. .NET's <see cref="Guid.TryParse(string?, out Guid)"/> also takes upper case, braces,
/// parentheses, 32 bare digits and surrounding white space, so one id would have many names, and an answer that
/// repeated the caller's text would hand back an id the store never issued.
/// </summary>
public static class CanonicalId
{
    public const string Example = "0190b6e4-8f2a-7c3d-9e4f-0a1b2c3d4e5f";

    /// <summary>True only for the canonical text of an id; <paramref name="id"/> is then its value.</summary>
    public static bool TryParse(string? text, out Guid id)
    {
        // "D" is the hyphenated form without braces; comparing with the value written back rules out upper case.
        if (text is { Length: 36 } && Guid.TryParseExact(text, "D", out id) && string.Equals(ToText(id), text, StringComparison.Ordinal))
        {
            return true;
        }

        id = Guid.Empty;
        return false;
    }

    public static string ToText(Guid id) => id.ToString("D");

    /// <summary>Reads the id in the request field (or query parameter) <paramref name="field"/>; a refusal names it.</summary>
    public static Result<Guid> Read(string? text, string field) =>
        TryParse(text, out var id)
            ? id
            : StoreError.Validation($"{field} must be an id in its canonical form: lower-case hexadecimal in 8-4-4-4-12 groups, e.g. {Example}", field);
}
