namespace ArtifactStore.Client;

/// <summary>An upload session as the API returns it (<c>/v1/uploads</c>).</summary>
public sealed record UploadSessionInfo(string Id, string Location, long Offset, long MaxBytes, string CreatedAt, string ExpiresAt);

/// <summary>The blob a finished upload session stored.</summary>
public sealed record UploadedBlob(string Digest, string Blake3, long Size);

/// <summary>A file of a package made of stored blobs: its path in the package and its blob's <c>sha256:</c> digest.</summary>
public sealed record StoredFile(string Path, string Digest);
