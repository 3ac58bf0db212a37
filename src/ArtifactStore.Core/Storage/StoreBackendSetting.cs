namespace ArtifactStore.Core.Storage;

/// <summary>A configuration key a backend reads, for validation and for <c>config show</c>.</summary>
/// <param name="Key">The full key (<c>Store:S3:Bucket</c>).</param>
/// <param name="IsSecret">Shown redacted: a password or secret key is never printed.</param>
public sealed record StoreBackendSetting(string Key, bool IsSecret = false);
