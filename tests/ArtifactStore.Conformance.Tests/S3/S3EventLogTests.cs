using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.S3;

public sealed class S3EventLogTests(S3BackendFixture fixture) : EventLogContract(fixture), IClassFixture<S3BackendFixture>;
