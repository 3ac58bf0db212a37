using System.Runtime.InteropServices;

namespace ArtifactStore.Core.Platform;

/// <summary>
/// Starts a job's command with glibc's <c>posix_spawn</c> as the leader of a new session (docs/jobs.md, "How
/// a command is started"): one <c>clone</c> + <c>exec</c>, where <see cref="System.Diagnostics.Process"/> through
/// the <c>setsid</c> program costs a second <c>exec</c>. The child gets stdin from <c>/dev/null</c>, the given
/// descriptors as stdout and stderr, the job's directory and environment, no blocked signals and every signal
/// at its default action (the server ignores <c>SIGPIPE</c>; a converter must not inherit that).
/// <para>
/// The child is reaped here with <c>waitpid</c> on its own pid. .NET's <c>SIGCHLD</c> handling reaps only the
/// children of <c>Process</c>, except when the server is pid 1 (a container without an init) or was started
/// with <c>SIGCHLD</c> ignored: then it reaps every child and would take the exit status. So this path is not
/// used as pid 1, and if another reaper is ever seen it is switched off for the life of the process.
/// </para>
/// </summary>
internal static unsafe partial class ProcessSpawn
{
    private const short SpawnSetPgroup = 0x02;
    private const short SpawnSetSigDefault = 0x04;
    private const short SpawnSetSigMask = 0x08;
    private const short SpawnSetSid = 0x80;

    // Larger than glibc's posix_spawnattr_t (336 bytes), posix_spawn_file_actions_t (80) and sigset_t (128).
    private const int OpaqueSize = 512;

    private const int EChild = 10;

    private static readonly Lazy<bool> Supported = new(Probe);
    private static volatile bool _anotherReaperSeen;

    /// <summary>Whether commands can be started here (glibc on Linux, not pid 1, and no other reaper seen).</summary>
    public static bool IsAvailable => OperatingSystem.IsLinux() && Environment.ProcessId != 1 && !_anotherReaperSeen && Supported.Value;

    /// <summary>Makes every write through <paramref name="file"/> append, so a child writing the same file and the server's own lines never overwrite each other.</summary>
    public static void SetAppend(SafeHandle file)
    {
        var added = false;
        file.DangerousAddRef(ref added);
        try
        {
            var fd = (int)file.DangerousGetHandle();
            var errno = Posix.ChangeStatusFlags(fd, add: Posix.OAppend, remove: 0);
            if (errno != 0)
            {
                throw new IOException($"cannot make the job log append-only: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="program"/> and returns 0 with its pid, which is also its process group and session,
    /// or the <c>errno</c> of the failure (<c>ENOENT</c> for a program that does not exist).
    /// </summary>
    public static int Start(string? program, IReadOnlyList<string> argv, IEnumerable<KeyValuePair<string, string>> environment,
        string workingDirectory, SafeHandle output, out int pid)
    {
        pid = 0;
        if (program is null)
        {
            return Posix.ENoEnt;
        }

        var attributes = NativeMemory.AllocZeroed(OpaqueSize);
        var actions = NativeMemory.AllocZeroed(OpaqueSize);
        var signals = NativeMemory.AllocZeroed(OpaqueSize);
        var arguments = NullTerminated(argv);
        var variables = NullTerminated(environment.Select(v => $"{v.Key}={v.Value}").ToList());
        var added = false;
        output.DangerousAddRef(ref added);
        try
        {
            Check(PosixSpawnattrInit(attributes));
            Check(PosixSpawnFileActionsInit(actions));
            Check(SigEmptySet(signals) == 0 ? 0 : Marshal.GetLastPInvokeError());
            Check(PosixSpawnattrSetSigMask(attributes, signals));
            Check(SigFillSet(signals) == 0 ? 0 : Marshal.GetLastPInvokeError());

            // sigfillset leaves out glibc's two internal signals (32 and 33), and posix_spawn then sets them to
            // SIG_IGN in the child, which survives exec. Signals 1–64 are the first 64 bits of a sigset_t: every
            // one reset to its default, the command starts as it would from a shell or setsid.
            *(ulong*)signals = ulong.MaxValue;
            Check(PosixSpawnattrSetSigDefault(attributes, signals));
            // A C library without POSIX_SPAWN_SETSID (glibc < 2.26, musl) refuses the flag: a new process group then.
            Check(PosixSpawnattrSetFlags(attributes, (short)(SpawnSetSid | SpawnSetSigDefault | SpawnSetSigMask)) == 0
                ? 0
                : PosixSpawnattrSetPgroup(attributes, 0) | PosixSpawnattrSetFlags(attributes, (short)(SpawnSetPgroup | SpawnSetSigDefault | SpawnSetSigMask)));

            var fd = (int)output.DangerousGetHandle();
            Check(PosixSpawnFileActionsAddOpen(actions, 0, "/dev/null", 0, 0));
            Check(PosixSpawnFileActionsAddDup2(actions, fd, 1));
            Check(PosixSpawnFileActionsAddDup2(actions, fd, 2));
            Check(PosixSpawnFileActionsAddChdir(actions, workingDirectory));

            int child;
            var error = PosixSpawn(&child, program, actions, attributes, arguments, variables);
            pid = error == 0 ? child : 0;
            return error;
        }
        finally
        {
            if (added)
            {
                output.DangerousRelease();
            }

            _ = PosixSpawnFileActionsDestroy(actions);
            _ = PosixSpawnattrDestroy(attributes);
            NativeMemory.Free(attributes);
            NativeMemory.Free(actions);
            NativeMemory.Free(signals);
            FreeNullTerminated(arguments);
            FreeNullTerminated(variables);
        }
    }

    /// <summary>
    /// Waits for the child to exit and reaps it: its exit code, or 128 + the signal that ended it (as
    /// <see cref="System.Diagnostics.Process.ExitCode"/>). Only this pid is reaped, never "any child", which would
    /// take the exit status of what is not ours: by the one <see cref="ChildReaper"/> thread through a pidfd where
    /// the kernel has them, else (or when <paramref name="reaper"/> is false, so that tests cover both) by a
    /// short-lived thread of its own blocking in <c>waitpid</c>.
    /// </summary>
    public static Task<int> WaitForExitAsync(int pid, bool reaper = true)
    {
        var exited = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Complete(int status, int error)
        {
            if (error == 0)
            {
                exited.SetResult((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f));
                return;
            }

            if (error == EChild)
            {
                _anotherReaperSeen = true;
            }

            exited.SetException(new InvalidOperationException(error == EChild
                ? "the command's exit status was taken by another reaper of child processes (the server runs as pid 1 or with SIGCHLD ignored); commands are started through Process from now on"
                : $"cannot wait for the command: {Marshal.GetPInvokeErrorMessage(error)}"));
        }

        if (reaper && ChildReaper.TryWatch(pid, Complete))
        {
            return exited.Task;
        }

        var waiter = new Thread(() =>
        {
            var (status, error) = Reap(pid);
            Complete(status, error);
        }, maxStackSize: 64 * 1024)
        {
            IsBackground = true,
            Name = "job command waiter",
        };
        waiter.UnsafeStart();
        return exited.Task;
    }

    /// <summary>
    /// Blocks in <c>waitpid</c> for exactly <paramref name="pid"/>, retrying on <c>EINTR</c>: its wait status and 0, or
    /// -1 and the <c>errno</c> of a <c>waitpid</c> that failed (<see cref="ChildReaper"/> and the per-child waiter both reap through it).
    /// </summary>
    internal static (int Status, int Error) Reap(int pid)
    {
        int status;
        int result;
        while ((result = WaitPid(pid, &status, 0)) < 0 && Marshal.GetLastPInvokeError() == Posix.EIntr)
        {
        }

        return result == pid ? (status, 0) : (-1, Marshal.GetLastPInvokeError());
    }

    /// <summary>Sends <paramref name="signal"/> to one process (not its group).</summary>
    public static void Signal(int pid, int signal) => _ = Posix.Kill(pid, signal);

    public static string Describe(int error) => Marshal.GetPInvokeErrorMessage(error);

    private static void Check(int error)
    {
        if (error != 0)
        {
            throw new IOException($"cannot prepare to start the command: {Marshal.GetPInvokeErrorMessage(error)}");
        }
    }

    /// <summary>Every entry point this path needs exists (glibc ≥ 2.29 for <c>addchdir_np</c>).</summary>
    private static bool Probe()
    {
        try
        {
            var actions = NativeMemory.AllocZeroed(OpaqueSize);
            try
            {
                return PosixSpawnFileActionsInit(actions) == 0
                    && PosixSpawnFileActionsAddChdir(actions, "/") == 0
                    && PosixSpawnFileActionsDestroy(actions) == 0;
            }
            finally
            {
                NativeMemory.Free(actions);
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    private static byte** NullTerminated(IReadOnlyList<string> values)
    {
        var array = (byte**)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(byte*));
        for (var i = 0; i < values.Count; i++)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(values[i]);
            var copy = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
            bytes.CopyTo(new Span<byte>(copy, bytes.Length));
            copy[bytes.Length] = 0;
            array[i] = copy;
        }

        return array;
    }

    private static void FreeNullTerminated(byte** array)
    {
        for (var entry = array; *entry != null; entry++)
        {
            NativeMemory.Free(*entry);
        }

        NativeMemory.Free(array);
    }

    [LibraryImport("libc", EntryPoint = "posix_spawn", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int PosixSpawn(int* pid, string path, void* fileActions, void* attributes, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    private static partial int PosixSpawnattrInit(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    private static partial int PosixSpawnattrDestroy(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    private static partial int PosixSpawnattrSetFlags(void* attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setpgroup")]
    private static partial int PosixSpawnattrSetPgroup(void* attributes, int processGroup);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    private static partial int PosixSpawnattrSetSigMask(void* attributes, void* signals);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    private static partial int PosixSpawnattrSetSigDefault(void* attributes, void* signals);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    private static partial int PosixSpawnFileActionsInit(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    private static partial int PosixSpawnFileActionsDestroy(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addopen", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int PosixSpawnFileActionsAddOpen(void* actions, int fd, string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    private static partial int PosixSpawnFileActionsAddDup2(void* actions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addchdir_np", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int PosixSpawnFileActionsAddChdir(void* actions, string path);

    [LibraryImport("libc", EntryPoint = "sigemptyset", SetLastError = true)]
    private static partial int SigEmptySet(void* signals);

    [LibraryImport("libc", EntryPoint = "sigfillset", SetLastError = true)]
    private static partial int SigFillSet(void* signals);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static partial int WaitPid(int pid, int* status, int options);
}
