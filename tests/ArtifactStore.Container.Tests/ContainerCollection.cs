namespace ArtifactStore.Container.Tests;

/// <summary>All container tests share one image build and run one at a time (the machine has 2 cores).</summary>
[CollectionDefinition(Name)]
public sealed class ContainerCollection : ICollectionFixture<ImageFixture>
{
    public const string Name = "containers";
}
