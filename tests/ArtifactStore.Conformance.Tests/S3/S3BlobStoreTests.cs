using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.S3;

public sealed class S3BlobStoreTests(S3BackendFixture fixture) : BlobStoreContract(fixture), IClassFixture<S3BackendFixture>;
