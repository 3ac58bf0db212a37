namespace ArtifactStore.Core.Uploads;

/// <summary>
/// A resumable upload in progress (docs/upload.md, "Upload sessions"): the bytes accepted so far, durable,
/// waiting for more or for the digest that finishes them.
/// </summary>
/// <param name="Id">UUIDv7, the last segment of the session's URL.</param>
/// <param name="Owner">The caller (actor) that created it; nobody else may see or change it.</param>
/// <param name="Offset">How many bytes it holds durably: where the next chunk must start.</param>
/// <param name="MaxBytes">The most bytes it may hold.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="ExpiresAt">When GC may remove it, moved on by every accepted chunk.</param>
public sealed record UploadSession(Guid Id, string Owner, long Offset, long MaxBytes, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);
