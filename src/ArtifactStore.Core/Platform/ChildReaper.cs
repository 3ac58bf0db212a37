using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace ArtifactStore.Core.Platform;

/// <summary>
/// Waits for the children <see cref="ProcessSpawn"/> started, all on one thread (docs/jobs.md, "How a command is
/// started"): each child gets a pidfd (<c>pidfd_open</c>, Linux ≥ 5.3, glibc ≥ 2.36), which becomes readable when
/// the child exits, and one <c>epoll</c> set holds them all. The thread then reaps exactly that pid with
/// <c>waitpid</c>, so no other process's child is ever taken. A thread started and ended for every job cost a
/// <c>clone3</c>, a stack's <c>mmap</c>/<c>mprotect</c>/<c>munmap</c> and the runtime's thread set-up per job.
/// Where pidfds or epoll are not available (an older kernel or C library, a seccomp filter), <see cref="TryWatch"/>
/// says no and the caller waits on a thread of its own as before.
/// </summary>
internal static unsafe partial class ChildReaper
{
    private const int EpollCloexec = 0x80000;
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const uint EpollIn = 0x001;
    private const int MaxEvents = 64;

    // struct epoll_event is packed on x86-64 (12 bytes: events, then data at offset 4) and naturally aligned
    // elsewhere (16 bytes, data at offset 8).
    private static readonly bool PackedEvents = RuntimeInformation.ProcessArchitecture == Architecture.X64;
    private static readonly int EventSize = PackedEvents ? 12 : 16;
    private static readonly int DataOffset = PackedEvents ? 4 : 8;

    private static readonly ConcurrentDictionary<int, Child> Watched = new();
    private static readonly Lazy<int> Epoll = new(Start);
    private static long _reaped;

    /// <summary>Children the reaper has reaped since the process started (for tests and diagnostics).</summary>
    public static long Reaped => Interlocked.Read(ref _reaped);

    /// <summary>
    /// Watches <paramref name="pid"/>, a child of this process not yet reaped, and completes
    /// <paramref name="exited"/> with its wait status once it has exited and been reaped; false when it cannot
    /// (no pidfd or epoll here), and then nothing was taken over.
    /// </summary>
    public static bool TryWatch(int pid, Action<int, int> exited)
    {
        var epoll = Epoll.Value;
        if (epoll < 0)
        {
            return false;
        }

        int pidfd;
        try
        {
            pidfd = PidfdOpen(pid, 0);
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }

        if (pidfd < 0)
        {
            return false;
        }

        // In the table before it is in the set: the event may come at once.
        Watched[pidfd] = new Child(pid, exited);
        var buffer = stackalloc byte[16];
        *(uint*)buffer = EpollIn;
        *(ulong*)(buffer + DataOffset) = (ulong)pidfd;
        var added = EpollCtl(epoll, EpollCtlAdd, pidfd, buffer) == 0;
        if (!added)
        {
            Watched.TryRemove(pidfd, out _);
            _ = Posix.Close(pidfd);
        }

        return added;
    }

    private static int Start()
    {
        try
        {
            var epoll = EpollCreate1(EpollCloexec);
            if (epoll < 0)
            {
                return -1;
            }

            var thread = new Thread(() => Run(epoll), maxStackSize: 64 * 1024)
            {
                IsBackground = true,
                Name = "job reaper",
            };
            thread.UnsafeStart();
            return epoll;
        }
        catch (EntryPointNotFoundException)
        {
            return -1;
        }
    }

    private static void Run(int epoll)
    {
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * EventSize));
        while (true)
        {
            var ready = EpollWait(epoll, events, MaxEvents, -1);
            if (ready < 0)
            {
                // EINTR; nothing else can fail on a valid epoll descriptor with a valid buffer.
                continue;
            }

            for (var i = 0; i < ready; i++)
            {
                var pidfd = (int)*(ulong*)(events + (i * EventSize) + DataOffset);
                if (!Watched.TryRemove(pidfd, out var child))
                {
                    continue;
                }

                _ = EpollCtl(epoll, EpollCtlDel, pidfd, null);
                _ = Posix.Close(pidfd);
                var (status, error) = ProcessSpawn.Reap(child.Pid);
                Interlocked.Increment(ref _reaped);
                child.Exited(status, error);
            }
        }
    }

    /// <summary>A watched child: its pid, and what to call with its wait status (or -1 and the <c>errno</c> of a <c>waitpid</c> that failed).</summary>
    private sealed record Child(int Pid, Action<int, int> Exited);

    [LibraryImport("libc", EntryPoint = "pidfd_open", SetLastError = true)]
    private static partial int PidfdOpen(int pid, uint flags);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epoll, int operation, int fd, byte* @event);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static partial int EpollWait(int epoll, byte* events, int maxEvents, int timeout);
}
