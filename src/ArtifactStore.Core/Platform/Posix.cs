using System.Runtime.InteropServices;

namespace ArtifactStore.Core.Platform;

/// <summary>
/// The few POSIX calls .NET does not expose: advisory whole-file locks, directory fsync and
/// realpath. Linux-only by design (the service targets Linux hosts and containers).
/// </summary>
internal static partial class Posix
{
    public const int ORdOnly = 0x0;
    public const int ORdWr = 0x2;
    public const int OCreat = 0x40;
    public const int ODirectory = 0x10000;
    public const int OCloexec = 0x80000;
    public const int LockEx = 2;
    public const int LockNb = 4;
    public const int LockUn = 8;
    public const int EWouldBlock = 11;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    public static unsafe partial nint Pwrite(int fd, byte* buffer, nint count, long offset);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    public static unsafe partial nint Pread(int fd, byte* buffer, nint count, long offset);

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint RealPathNative(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(nint pointer);

    /// <summary>The canonical absolute path with every symlink resolved, or null if it does not exist.</summary>
    public static string? RealPath(string path)
    {
        var result = RealPathNative(path, 0);
        if (result == 0)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(result);
        }
        finally
        {
            Free(result);
        }
    }

    [LibraryImport("libc", EntryPoint = "getpid")]
    public static partial int GetPid();

    /// <summary>fsyncs a directory so that a rename or create inside it survives a power loss.</summary>
    public static void FsyncDirectory(string path)
    {
        var fd = Open(path, ORdOnly | ODirectory | OCloexec, 0);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {path} to fsync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                // A failed fsync means we cannot claim durability: fatal for the operation.
                throw new IOException($"fsync of directory {path} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }
}
