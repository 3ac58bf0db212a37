using ArtifactStore.Core.Roots;

namespace ArtifactStore.Core.Tests.Roots;

/// <summary>The store layout the root tests use: the embedded backend's own, so the two cannot drift apart.</summary>
internal static class Layouts
{
    public static StoreLayout Embedded { get; } = new Embedded.EmbeddedBackend().Layout;
}
