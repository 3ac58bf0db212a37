using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Embedded;

public sealed class EmbeddedOciViewTests(EmbeddedBackendFixture fixture) : OciViewContract(fixture), IClassFixture<EmbeddedBackendFixture>;
