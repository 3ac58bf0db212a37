namespace ArtifactStore.Core.Gc;

/// <summary>A package GC deleted, and the bytes its deletion released (blobs no live package references any more).</summary>
public sealed record GcPackage(Guid PackageId, string Name, long BytesReleased);
