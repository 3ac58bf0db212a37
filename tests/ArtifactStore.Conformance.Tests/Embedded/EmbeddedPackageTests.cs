using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Embedded;

public sealed class EmbeddedPackageTests(EmbeddedBackendFixture fixture) : PackageContract(fixture), IClassFixture<EmbeddedBackendFixture>;
