using System.Diagnostics;
using System.Runtime.InteropServices;
using ArtifactStore.Core.Diagnostics;

namespace ArtifactStore.Core.Platform;

/// <summary>
/// The few POSIX calls .NET does not expose: advisory whole-file locks, directory fsync, realpath,
/// file identity (statx), free space (statvfs), access checks, file status flags (fcntl), a thread's CPU clock and signals
/// (kill). Every other class calls these through here rather than declaring its own P/Invoke. Linux-only by design (the service
/// targets Linux hosts and containers).
/// </summary>
internal static partial class Posix
{
    public const int ORdOnly = 0x0;
    public const int ORdWr = 0x2;
    public const int OCreat = 0x40;
    public const int OCloexec = 0x80000;
    public const int LockEx = 2;
    public const int LockNb = 4;
    public const int LockUn = 8;
    public const int EWouldBlock = 11;
    public const int ENoEnt = 2;
    public const int ENotDir = 20;
    public const int EIntr = 4;
    public const int EExist = 17;
    public const int EInval = 22;
    public const int OWrOnly = 0x1;
    public const int OExcl = 0x80;
    public const int OAppend = 0x400;
    private const int FGetFl = 3;
    private const int FSetFl = 4;
    public const int ROk = 4;
    public const int WOk = 2;
    public const int XOk = 1;
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const int AtSymlinkNoFollow = 0x100;
    public const int ONonBlock = 0x800;

    // open(2) flags whose values differ between architectures: 32- and 64-bit ARM use their own values
    // for these three, x86-64 and the asm-generic ones (riscv64, loongarch64) share the others.
    private static readonly bool ArmOpenFlags = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;
    public static readonly int ODirectory = ArmOpenFlags ? 0x4000 : 0x10000;
    public static readonly int ONoFollow = ArmOpenFlags ? 0x8000 : 0x20000;
    public static readonly int ODirect = ArmOpenFlags ? 0x10000 : 0x4000;
    private const uint StatxBasicStats = 0x7ff;
    private const ulong StReadOnly = 1;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Unlink(string path);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkNative(string existing, string newPath);

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

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    /// <summary>clock_gettime's clock for the calling thread's own CPU time.</summary>
    public const int ClockThreadCpuTimeId = 3;

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    public static partial int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>struct timespec on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    /// <summary>
    /// fcntl(2) <c>F_GETFL</c> then <c>F_SETFL</c>: turns the file status flags <paramref name="add"/> on and
    /// <paramref name="remove"/> off for an open descriptor (<c>O_APPEND</c>, <c>O_DIRECT</c>). Returns 0 or the errno.
    /// </summary>
    public static int ChangeStatusFlags(int fd, int add, int remove)
    {
        var flags = Fcntl(fd, FGetFl, 0);
        return flags < 0 || Fcntl(fd, FSetFl, (flags | add) & ~remove) < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    /// <summary>
    /// Reads a file from its start into <paramref name="destination"/> until that is full or the file ends: open,
    /// pread, close and nothing else. A <see cref="FileStream"/> adds an fstat, a shared flock and its release, and
    /// a read-ahead advice, and a <see cref="FileInfo"/> an lstat: on a virtual machine each system call is dear, and
    /// for a small download those were a fifth of the server's CPU (docs/performance.md, "Downloads").
    /// Returns the bytes read, or -1 when the file does not exist.
    /// </summary>
    public static unsafe int ReadFile(string path, Span<byte> destination)
    {
        var fd = Open(path, ORdOnly | OCloexec, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENoEnt or ENotDir ? -1 : throw new IOException($"cannot open {path} (errno {errno})");
        }

        try
        {
            var total = 0;
            fixed (byte* start = destination)
            {
                while (total < destination.Length)
                {
                    var read = Pread(fd, start + total, destination.Length - total, total);
                    if (read < 0)
                    {
                        var errno = Marshal.GetLastPInvokeError();
                        if (errno == EIntr)
                        {
                            continue;
                        }

                        throw new IOException($"cannot read {path} (errno {errno})");
                    }

                    if (read == 0)
                    {
                        break;
                    }

                    total += (int)read;
                }
            }

            return total;
        }
        finally
        {
            _ = Close(fd);
        }
    }

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

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatxNative(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "statvfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatvfsNative(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int AccessNative(string path, int mode);

    /// <summary>Identity and owner of a path (symlinks followed), or null with the errno when it cannot be stat'ed.</summary>
    public static FileIdentity? Stat(string path, out int errno) => Statx(AtFdCwd, path, 0, out errno);

    /// <summary>Identity and owner of an open file descriptor, or null with the errno.</summary>
    public static FileIdentity? Stat(int fd, out int errno) => Statx(fd, string.Empty, AtEmptyPath, out errno);

    /// <summary>Bytes available to unprivileged users and whether the filesystem is read-only, or null with the errno.</summary>
    public static unsafe (long AvailableBytes, long TotalBytes, bool ReadOnly)? FreeSpace(string path, out int errno)
    {
        // struct statvfs on 64-bit Linux: every field up to f_namemax is 8 bytes wide.
        var buffer = stackalloc byte[256];
        if (StatvfsNative(path, buffer) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }

        errno = 0;
        var fragmentSize = *(ulong*)(buffer + 8);
        var blocks = *(ulong*)(buffer + 16);
        var available = *(ulong*)(buffer + 32);
        var flags = *(ulong*)(buffer + 72);
        return ((long)Math.Min(available * fragmentSize, long.MaxValue), (long)Math.Min(blocks * fragmentSize, long.MaxValue), (flags & StReadOnly) != 0);
    }

    /// <summary>
    /// Proves that <paramref name="directory"/> takes new entries and durable writes, leaving nothing
    /// behind: creates a file, unlinks it at once (its name exists for microseconds), then writes one
    /// byte to it and fsyncs. Returns 0 or the errno of the step that failed.
    /// </summary>
    public static unsafe int ProbeDurableWrite(string directory)
    {
        var path = Path.Combine(directory, ".probe-" + Guid.NewGuid().ToString("N"));
        var fd = Open(path, OWrOnly | OCreat | OExcl | OCloexec, Convert.ToInt32("600", 8));
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError();
        }

        try
        {
            if (Unlink(path) != 0)
            {
                return Marshal.GetLastPInvokeError();
            }

            byte one = 1;
            return Pwrite(fd, &one, 1, 0) != 1 || Fsync(fd) != 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>link(2): a new name for an existing file; 0, or the errno (<see cref="EExist"/> when <paramref name="newPath"/> exists).</summary>
    public static int Link(string existing, string newPath) => LinkNative(existing, newPath) == 0 ? 0 : Marshal.GetLastPInvokeError();

    [LibraryImport("libc", EntryPoint = "futimens", SetLastError = true)]
    private static partial int FutimensNative(int fd, nint times);

    /// <summary>
    /// Sets a file's modification (and access) time to now and fsyncs the file, so the new time survives a crash:
    /// 0, or the errno (<see cref="ENoEnt"/> when there is no such file). The file is opened for reading only: its
    /// owner may set its times to now whatever its mode.
    /// </summary>
    public static int TouchDurably(string path)
    {
        var fd = Open(path, ORdOnly | OCloexec, 0);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError();
        }

        try
        {
            // futimens with no times sets both to the current time.
            return FutimensNative(fd, 0) != 0 || Fsync(fd) != 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>access(2): 0 when the calling user may use <paramref name="path"/> as <paramref name="mode"/> asks, else the errno.</summary>
    public static int Access(string path, int mode) => AccessNative(path, mode) == 0 ? 0 : Marshal.GetLastPInvokeError();

    private static unsafe FileIdentity? Statx(int dirfd, string path, int flags, out int errno)
    {
        // struct statx has the same layout on every architecture, unlike struct stat.
        var buffer = stackalloc byte[256];
        if (StatxNative(dirfd, path, flags, StatxBasicStats, buffer) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }

        errno = 0;
        var uid = *(uint*)(buffer + 20);
        var inode = *(ulong*)(buffer + 32);
        var deviceMajor = *(uint*)(buffer + 136);
        var deviceMinor = *(uint*)(buffer + 140);
        return new FileIdentity(deviceMajor, deviceMinor, inode, uid);
    }

    /// <summary>The <c>st_mode</c> file type bits (<c>S_IFMT</c>) of a path, the link itself when it is a symbolic link (lstat); null with the errno.</summary>
    public static int? FileTypeBits(string path, out int errno) => ModeOf(AtFdCwd, path, AtSymlinkNoFollow, out errno);

    /// <summary>The <c>st_mode</c> file type bits (<c>S_IFMT</c>) of an open file descriptor (fstat); null with the errno.</summary>
    public static int? FileTypeBits(int fd, out int errno) => ModeOf(fd, string.Empty, AtEmptyPath, out errno);

    private static unsafe int? ModeOf(int dirfd, string path, int flags, out int errno)
    {
        var buffer = stackalloc byte[256];
        if (StatxNative(dirfd, path, flags, StatxBasicStats, buffer) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }

        errno = 0;
        // stx_mode: a 16-bit field at offset 28 of struct statx; S_IFMT selects the file type.
        return *(ushort*)(buffer + 28) & 0xF000;
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
            var started = Stopwatch.GetTimestamp();
            var failed = Fsync(fd) != 0;
            StoreMetrics.FsyncSeconds.Record(StoreMetrics.SecondsSince(started), new KeyValuePair<string, object?>("kind", "directory"));
            if (failed)
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
