using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.S3;

public sealed class S3BlobProtocolTests(S3BackendFixture fixture) : BlobProtocolContract(fixture), IClassFixture<S3BackendFixture>;
