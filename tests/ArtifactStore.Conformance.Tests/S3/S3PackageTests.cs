using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.S3;

public sealed class S3PackageTests(S3BackendFixture fixture) : PackageContract(fixture), IClassFixture<S3BackendFixture>;
