using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.S3;

public sealed class S3JobLogTests(S3BackendFixture fixture) : JobLogContract(fixture), IClassFixture<S3BackendFixture>;
