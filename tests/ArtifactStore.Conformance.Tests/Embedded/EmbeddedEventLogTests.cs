using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Embedded;

public sealed class EmbeddedEventLogTests(EmbeddedBackendFixture fixture) : EventLogContract(fixture), IClassFixture<EmbeddedBackendFixture>;
