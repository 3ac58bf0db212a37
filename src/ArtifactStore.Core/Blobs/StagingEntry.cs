namespace ArtifactStore.Core.Blobs;

/// <summary>An entry of the blob store's staging area (<see cref="IBlobStore.ListStagingAsync"/>).</summary>
/// <param name="Name">How the store names it (a file name in <c>tmp/</c> for the filesystem).</param>
/// <param name="Size">Its length in bytes.</param>
/// <param name="LastModified">When it was last written.</param>
public sealed record StagingEntry(string Name, long Size, DateTimeOffset LastModified);
