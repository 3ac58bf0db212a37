using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.S3;

public sealed class S3TokenLookupTests(S3BackendFixture fixture) : TokenLookupContract(fixture), IClassFixture<S3BackendFixture>;
