using ArtifactStore.Core.Platform;

namespace ArtifactStore.Core.Roots;

/// <summary>Small files that must be either entirely old or entirely new after a crash.</summary>
public static class DurableFile
{
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        var directory = Path.GetDirectoryName(path)!;
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        Posix.FsyncDirectory(directory);
    }

    /// <summary>fsyncs a directory, so that the files created, renamed or deleted in it survive a power loss.</summary>
    public static void FsyncDirectory(string path) => Posix.FsyncDirectory(path);
}
