using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Retention;

namespace ArtifactStore.Core.Packages;

/// <summary>A validated upload with its manifest staged, ready to be created inside a unit of work.</summary>
public sealed record PreparedPackage(
    Guid Id,
    PackageCreated Created,
    RetentionClass RetentionClass,
    StagedBlob Manifest,
    PackageUpload Upload,
    string Fingerprint)
{
    // Made once, when the package is prepared (the upload is complete by then), not on each read: the unit of work on the
    // serialized writer reads them, and building them there was writer time for nothing. Nothing copies a prepared
    // package with `with`, which would keep them as they were.

    /// <summary>Every blob the package brings: the files uploaded with it and its manifest (put before the unit of work).</summary>
    public IReadOnlyCollection<StagedBlob> Blobs { get; } = [.. Upload.Files.Where(f => !f.AlreadyStored).Select(f => f.Blob), Manifest];

    /// <summary>The blobs its files name by digest, which the store already held (checked inside the unit of work, never put).</summary>
    public IReadOnlyCollection<StagedBlob> StoredBlobs { get; } = [.. Upload.Files.Where(f => f.AlreadyStored).Select(f => f.Blob)];

    /// <summary>
    /// The payload of its <c>v1.package.created</c>, encoded when the package was prepared, outside the unit of work: the
    /// encoding of the file list was the largest piece of managed work a small package did on the serialized writer
    /// (docs/performance.md, "Small writes: the writer's critical path").
    /// </summary>
    public EncodedPayload CreatedPayload { get; } = EncodedPayload.Of(Created.ToCbor());
}
