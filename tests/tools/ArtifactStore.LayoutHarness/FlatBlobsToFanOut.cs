using ArtifactStore.Core.Roots;

namespace ArtifactStore.LayoutHarness;

/// <summary>
/// A test layout step, 0 → 1: blobs kept flat as <c>blobs/&lt;hex&gt;</c> move into
/// <c>blobs/sha256/ab/cd/&lt;hex&gt;</c>. Idempotent: each blob moves by one rename, so after a crash every
/// blob is in one place or the other, and a rerun moves the rest. Durable: the new directories and
/// both directories of every rename are fsynced before the step returns.
/// </summary>
internal sealed class FlatBlobsToFanOut(int? pauseAfter) : ILayoutMigrationStep
{
    public int FromVersion => 0;

    public string Description => "blobs move from blobs/<hex> to blobs/sha256/ab/cd/<hex>";

    public void Apply(string rootPath)
    {
        var blobs = Path.Combine(rootPath, "blobs");
        var moved = 0;
        foreach (var file in Directory.EnumerateFiles(blobs).Where(f => Path.GetFileName(f).Length == 64).Order(StringComparer.Ordinal).ToList())
        {
            var hex = Path.GetFileName(file);
            var directory = Path.Combine(blobs, "sha256", hex[..2], hex[2..4]);
            Directory.CreateDirectory(directory);
            File.Move(file, Path.Combine(directory, hex), overwrite: true);
            DurableFile.FsyncDirectory(directory);
            DurableFile.FsyncDirectory(Path.GetDirectoryName(directory)!);
            DurableFile.FsyncDirectory(Path.GetDirectoryName(Path.GetDirectoryName(directory)!)!);
            DurableFile.FsyncDirectory(blobs);
            moved++;
            Console.WriteLine($"harness: moved {moved}");
            if (moved == pauseAfter)
            {
                Console.WriteLine("harness: paused");
                Thread.Sleep(Timeout.Infinite);
            }
        }
    }
}
