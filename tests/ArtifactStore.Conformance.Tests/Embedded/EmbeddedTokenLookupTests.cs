using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Embedded;

public sealed class EmbeddedTokenLookupTests(EmbeddedBackendFixture fixture) : TokenLookupContract(fixture), IClassFixture<EmbeddedBackendFixture>;
