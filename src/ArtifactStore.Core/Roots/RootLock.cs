using System.Runtime.InteropServices;
using ArtifactStore.Core.Platform;

namespace ArtifactStore.Core.Roots;

/// <summary>
/// The exclusive OS lock (flock) on <c>&lt;root&gt;/lock</c>. The kernel releases it when the
/// process dies, so a crash never leaves a stale lock to clear by hand. The file's content says
/// who holds it (pid, and where the server listens) so that a refused process can name the holder
/// and a command can reach the running server instead.
/// </summary>
public sealed class RootLock : IDisposable
{
    private int _fd;

    private RootLock(int fd, string path)
    {
        _fd = fd;
        Path = path;
        Identity = Posix.Stat(fd, out _);
    }

    public string Path { get; }

    /// <summary>The file we locked. The lock protects the root only while <see cref="Path"/> still leads to this file.</summary>
    internal FileIdentity? Identity { get; }

    /// <summary>True once <see cref="Dispose"/> has given the lock up.</summary>
    public bool IsReleased => Volatile.Read(ref _fd) < 0;

    /// <summary>
    /// Takes the lock without waiting. Returns null and the holder's description when another process
    /// has it. With <paramref name="create"/> false, a missing lock file is an error rather than created.
    /// </summary>
    public static RootLock? TryAcquire(string lockPath, out LockHolder? holder, bool create = true)
    {
        holder = null;
        var fd = Posix.Open(lockPath, Posix.ORdWr | (create ? Posix.OCreat : 0) | Posix.OCloexec, Convert.ToInt32("644", 8));
        if (fd < 0)
        {
            throw new IOException($"cannot open lock file {lockPath} (errno {Marshal.GetLastPInvokeError()})");
        }

        if (Posix.Flock(fd, Posix.LockEx | Posix.LockNb) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            holder = LockHolder.Parse(ReadAll(fd));
            _ = Posix.Close(fd);
            if (errno == Posix.EWouldBlock)
            {
                return null;
            }

            throw new IOException($"cannot lock {lockPath} (errno {errno})");
        }

        var rootLock = new RootLock(fd, lockPath);
        rootLock.Describe(new LockHolder(Posix.GetPid(), null));
        return rootLock;
    }

    /// <summary>Reads who holds the lock of a root without taking it; null if nobody has written to it.</summary>
    public static LockHolder? ReadHolder(string lockPath)
    {
        if (!File.Exists(lockPath))
        {
            return null;
        }

        var fd = Posix.Open(lockPath, Posix.ORdOnly | Posix.OCloexec, 0);
        if (fd < 0)
        {
            return null;
        }

        try
        {
            return LockHolder.Parse(ReadAll(fd));
        }
        finally
        {
            _ = Posix.Close(fd);
        }
    }

    /// <summary>Tells whether some process holds the lock right now.</summary>
    public static bool IsHeld(string lockPath)
    {
        var probe = TryAcquire(lockPath, out _);
        if (probe is null)
        {
            return true;
        }

        probe.Dispose();
        return false;
    }

    /// <summary>Rewrites the holder description (for example once the server knows its listen address).</summary>
    public unsafe void Describe(LockHolder holder)
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        var bytes = System.Text.Encoding.UTF8.GetBytes(holder.Format());
        _ = Posix.Ftruncate(_fd, 0);
        fixed (byte* p = bytes)
        {
            _ = Posix.Pwrite(_fd, p, bytes.Length, 0);
        }
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            _ = Posix.Ftruncate(_fd, 0);
            _ = Posix.Flock(_fd, Posix.LockUn);
            _ = Posix.Close(_fd);
            _fd = -1;
        }
    }

    private static unsafe string ReadAll(int fd)
    {
        var buffer = new byte[4096];
        nint read;
        fixed (byte* p = buffer)
        {
            read = Posix.Pread(fd, p, buffer.Length, 0);
        }

        return read <= 0 ? string.Empty : System.Text.Encoding.UTF8.GetString(buffer, 0, (int)read);
    }
}
