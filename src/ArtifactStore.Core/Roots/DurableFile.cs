using ArtifactStore.Core.Platform;

namespace ArtifactStore.Core.Roots;

/// <summary>Small files that must be either entirely old or entirely new after a crash.</summary>
public static class DurableFile
{
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        var directory = Path.GetDirectoryName(path)!;
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            // A failed write (a full disk, typically) leaves the old file as it was and no half-written copy beside it.
            File.Delete(temp);
            throw;
        }

        Posix.FsyncDirectory(directory);
    }

    /// <summary>fsyncs a directory, so that the files created, renamed or deleted in it survive a power loss.</summary>
    public static void FsyncDirectory(string path) => Posix.FsyncDirectory(path);
}
