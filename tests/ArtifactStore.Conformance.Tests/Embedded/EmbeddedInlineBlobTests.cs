using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Embedded;

public sealed class EmbeddedInlineBlobTests(EmbeddedBackendFixture fixture) : InlineBlobContract(fixture), IClassFixture<EmbeddedBackendFixture>;
