using System.Runtime.InteropServices;
using ArtifactStore.Core.Platform;
using Microsoft.Win32.SafeHandles;

namespace ArtifactStore.FileSystem;

/// <summary>
/// Staged files written with <c>O_DIRECT</c>: the bytes go from the pipeline's aligned buffers to the disk
/// without being copied into the page cache first. On the machines measured that copy (and the page
/// allocation behind it) was a third of a large upload's server CPU, more than SHA-256
/// (docs/performance.md, "Large uploads"). Durability does not change: <c>O_DIRECT</c> promises nothing about
/// the device's cache or the file's metadata, so the staged file is still fsynced before staging returns.
/// Where the filesystem refuses <c>O_DIRECT</c> (tmpfs on older kernels, some overlay or network filesystems),
/// the file is written through the page cache as before. A write whose length is not a multiple of
/// <see cref="AlignedBuffers.Alignment"/> (the last chunk of an upload) switches the file back to buffered
/// writes for the rest.
/// </summary>
internal static class DirectWrites
{
    private const int CreateMode = 420; // 0644, as FileStream creates files

    /// <summary>Creates <paramref name="path"/> (it must not exist) for writing, with <c>O_DIRECT</c> where the filesystem takes it.</summary>
    public static FileStream Create(string path, out bool direct)
    {
        direct = false;
        if (OperatingSystem.IsLinux())
        {
            var fd = Posix.Open(path, Posix.OWrOnly | Posix.OCreat | Posix.OExcl | Posix.OCloexec | Posix.ODirect, CreateMode);
            if (fd >= 0)
            {
                direct = true;
                return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, bufferSize: 0);
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != Posix.EInval)
            {
                throw new IOException($"cannot create {path} (errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)})", errno);
            }
        }

        return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
    }

    /// <summary>Whether a write of this length may go direct: the offset stays aligned as long as every earlier one was.</summary>
    public static bool IsAligned(int length) => length % AlignedBuffers.Alignment == 0;

    /// <summary>Whether a failed direct write is the filesystem refusing <c>O_DIRECT</c> for this write (worth retrying through the page cache).</summary>
    public static bool IsRefusal(IOException failure) => failure.HResult == Posix.EInval;

    /// <summary>Turns <c>O_DIRECT</c> off: later writes to <paramref name="file"/> go through the page cache.</summary>
    public static void StopDirect(FileStream file)
    {
        var fd = (int)file.SafeFileHandle.DangerousGetHandle();
        var errno = Posix.ChangeStatusFlags(fd, add: 0, remove: Posix.ODirect);
        if (errno != 0)
        {
            throw new IOException($"cannot turn O_DIRECT off (errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)})", errno);
        }
    }
}
