using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Core.Storage;

/// <summary>What <see cref="IStoreBackend.CopyToBackupAsync"/> copied.</summary>
/// <param name="SchemaVersion">The schema version of the copied database.</param>
/// <param name="Blobs">How many blobs were copied.</param>
/// <param name="BlobBytes">Their bytes.</param>
/// <param name="DatabaseBytes">The size of the copied database.</param>
/// <param name="UnreferencedNotCopied">Blobs no live package referenced that were reaped or damaged meanwhile, left out.</param>
public sealed record BackupCopy(int SchemaVersion, long Blobs, long BlobBytes, long DatabaseBytes, IReadOnlyList<BlobDigest> UnreferencedNotCopied);
