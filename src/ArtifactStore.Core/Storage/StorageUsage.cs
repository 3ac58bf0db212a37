namespace ArtifactStore.Core.Storage;

/// <summary>
/// What the store holds, from the views: live packages and the bytes their files name, per retention class, and
/// the live blobs that hold those bytes. Identical content is stored once, so <see cref="DedupRatio"/> — the bytes
/// packages name over the bytes stored — is 1 when nothing is shared and grows with sharing.
/// </summary>
public sealed record StorageUsage(IReadOnlyList<ClassUsage> Classes, long BlobCount, long BlobBytes)
{
    public long Packages => Classes.Sum(c => c.Packages);

    /// <summary>Bytes named by the files of live packages (each file counted, shared or not).</summary>
    public long PackageBytes => Classes.Sum(c => c.Bytes);

    /// <summary>Package bytes over stored bytes; null while nothing is stored.</summary>
    public double? DedupRatio => BlobBytes > 0 ? (double)PackageBytes / BlobBytes : null;
}

/// <summary>Live packages of one retention class and the bytes their files name.</summary>
public sealed record ClassUsage(string RetentionClass, long Packages, long Bytes);
