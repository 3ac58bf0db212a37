using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ArtifactStore.Core.Platform;

/// <summary>
/// Reading files that someone else wrote (a job's output and log) without letting them wedge the
/// reader. Opening a FIFO blocks until a writer appears, reading a character device such as
/// <c>/dev/zero</c> never ends, and following a symbolic link could publish any file the store can
/// read. So the kind of a path is looked at with lstat, which opens nothing; and a file is opened only
/// with <c>O_NONBLOCK | O_NOFOLLOW</c> and kept only if fstat on the open descriptor says it is a
/// regular file, which closes the race between the look and the open.
/// </summary>
internal static class RegularFiles
{
    private const int TypeFifo = 0x1000;
    private const int TypeCharacterDevice = 0x2000;
    private const int TypeDirectory = 0x4000;
    private const int TypeBlockDevice = 0x6000;
    private const int TypeRegular = 0x8000;
    private const int TypeSymbolicLink = 0xA000;
    private const int TypeSocket = 0xC000;
    private const int ELoop = 40;

    /// <summary>What is at <paramref name="path"/>, without following a symbolic link and without opening it.</summary>
    public static FileKind KindOf(string path)
    {
        var bits = Posix.FileTypeBits(path, out var errno);
        return bits is { } type ? FromTypeBits(type) : errno == Posix.ENoEnt ? FileKind.Missing : FileKind.Unknown;
    }

    /// <summary>
    /// Opens <paramref name="path"/> for reading if, and only if, it is a regular file reached without a
    /// symbolic link. Otherwise returns null and says what it is in <paramref name="kind"/>; nothing is
    /// read and, for a FIFO, no writer is waited for.
    /// </summary>
    public static FileStream? OpenRead(string path, out FileKind kind)
    {
        kind = KindOf(path);
        if (kind != FileKind.Regular)
        {
            return null;
        }

        var fd = Posix.Open(path, Posix.ORdOnly | Posix.ONonBlock | Posix.ONoFollow | Posix.OCloexec, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            kind = errno switch
            {
                Posix.ENoEnt => FileKind.Missing,
                ELoop => FileKind.SymbolicLink,
                _ => throw new IOException($"cannot open {path} (errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)})"),
            };
            return null;
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        // The path may have been replaced between the lstat and the open: what counts is what was opened.
        var opened = Posix.FileTypeBits(fd, out _);
        kind = opened is { } type ? FromTypeBits(type) : FileKind.Unknown;
        if (kind != FileKind.Regular)
        {
            handle.Dispose();
            return null;
        }

        return new FileStream(handle, FileAccess.Read, bufferSize: 64 * 1024);
    }

    /// <summary>How a kind is named in messages, with an article: "a FIFO (named pipe)".</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.Socket => "a socket",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Missing => "missing",
        _ => "a file of unknown kind",
    };

    private static FileKind FromTypeBits(int type) => type switch
    {
        TypeRegular => FileKind.Regular,
        TypeDirectory => FileKind.Directory,
        TypeSymbolicLink => FileKind.SymbolicLink,
        TypeFifo => FileKind.Fifo,
        TypeSocket => FileKind.Socket,
        TypeCharacterDevice => FileKind.CharacterDevice,
        TypeBlockDevice => FileKind.BlockDevice,
        _ => FileKind.Unknown,
    };
}
