using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Packages;

namespace ArtifactStore.Core.Storage;

/// <summary>Reads of the views. Each call sees one committed state.</summary>
public interface IViewQueries
{
    /// <summary>The package with its files, labels and retention state, or null when no such id was ever created.</summary>
    Task<PackageView?> GetPackageAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>A page of packages, newest first.</summary>
    Task<PackagePage> ListPackagesAsync(PackageQuery query, CancellationToken cancellationToken);

    /// <summary>The blob's row, or null.</summary>
    Task<BlobRow?> GetBlobAsync(BlobDigest digest, CancellationToken cancellationToken);

    /// <summary>Position of the last event, 0 when the log is empty.</summary>
    Task<long> GetHeadSeqAsync(CancellationToken cancellationToken);
}
