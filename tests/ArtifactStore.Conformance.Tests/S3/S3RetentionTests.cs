using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.S3;

public sealed class S3RetentionTests(S3BackendFixture fixture) : RetentionContract(fixture), IClassFixture<S3BackendFixture>;
