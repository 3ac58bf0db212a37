using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.S3;

public sealed class S3GcProtocolTests(S3BackendFixture fixture) : GcProtocolContract(fixture), IClassFixture<S3BackendFixture>;
