using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.S3;

public sealed class S3JobTests(S3BackendFixture fixture) : JobContract(fixture), IClassFixture<S3BackendFixture>;
