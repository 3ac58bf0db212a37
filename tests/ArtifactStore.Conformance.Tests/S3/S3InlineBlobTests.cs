using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.S3;

public sealed class S3InlineBlobTests(S3BackendFixture fixture) : InlineBlobContract(fixture), IClassFixture<S3BackendFixture>;
