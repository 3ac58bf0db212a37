using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.S3;

public sealed class S3JobLeaseTests(S3BackendFixture fixture) : JobLeaseContract(fixture), IClassFixture<S3BackendFixture>;
