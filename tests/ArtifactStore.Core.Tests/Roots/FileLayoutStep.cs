using ArtifactStore.Core.Roots;

namespace ArtifactStore.Core.Tests.Roots;

/// <summary>A step that writes one file (idempotently) and notes the marker version it saw.</summary>
internal sealed class FileLayoutStep(int from, string file, List<int> seen, string root, bool crashAfterWriting = false) : ILayoutMigrationStep
{
    public int FromVersion => from;

    public string Description => $"writes {file}";

    public void Apply(string rootPath)
    {
        Assert.Equal(root, rootPath);
        seen.Add(LayoutMigrationTests.Marker(rootPath).LayoutVersion);
        File.WriteAllText(Path.Combine(rootPath, file), file);
        if (crashAfterWriting)
        {
            throw new IOException("simulated crash in the middle of the step");
        }
    }
}
