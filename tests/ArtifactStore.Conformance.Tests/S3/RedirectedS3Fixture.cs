using ArtifactStore.S3;

namespace ArtifactStore.Conformance.Tests.S3;

/// <summary>The S3 fixture with the blob store talking to another endpoint (a proxy, a dead port) and giving up quickly.</summary>
internal sealed class RedirectedS3Fixture(string serviceUrl, TimeSpan requestTimeout) : S3BackendFixture
{
    public override S3BlobStoreOptions Options(string directory) =>
        base.Options(directory) with { ServiceUrl = serviceUrl, RequestTimeout = requestTimeout, MaxRetries = 0 };
}
