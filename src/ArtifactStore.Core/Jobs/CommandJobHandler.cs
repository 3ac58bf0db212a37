using System.Diagnostics;
using System.IO.Pipes;
using ArtifactStore.Core.Platform;

namespace ArtifactStore.Core.Jobs;

/// <summary>
/// Runs a configured command (argv, no shell) for one attempt: placeholders replaced, the environment
/// of <see cref="JobEnvironment"/> (not the server's), stdout and stderr appended to the log, working
/// directory the job's. The command leads its own process group, so cancel and timeout reach every process it
/// started: TERM first, KILL after the grace period. The command is started with <c>posix_spawn</c>
/// (<see cref="ProcessSpawn"/>) where glibc allows it, else through <see cref="Process"/> and the <c>setsid</c>
/// program (docs/jobs.md, "How a command is started").
/// </summary>
public sealed class CommandJobHandler(IReadOnlyList<string> command, TimeSpan killGracePeriod, IReadOnlyList<string>? passEnvironment = null) : IJobHandler
{
    /// <summary>False to take the portable path even where <c>posix_spawn</c> is available (so that tests cover both).</summary>
    internal bool UseSpawn { get; init; } = true;

    public async Task<int> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        var argv = command.Select(a => Expand(a, context)).ToList();
        var environment = JobEnvironment.For(context, passEnvironment ?? [], Environment.GetEnvironmentVariable);
        return UseSpawn && ProcessSpawn.IsAvailable
            ? await SpawnAsync(argv, environment, context, cancellationToken)
            : await StartProcessAsync(argv, environment, context, cancellationToken);
    }

    /// <summary>
    /// The <c>posix_spawn</c> path. A log that is a local file (the embedded backend's <c>logs/run.log</c>) becomes
    /// the command's stdout and stderr itself, in append mode, so no byte of output passes through the server;
    /// any other log stream is fed from one pipe that carries both.
    /// </summary>
    private async Task<int> SpawnAsync(List<string> argv, IReadOnlyDictionary<string, string> environment, JobContext context, CancellationToken cancellationToken)
    {
        // As execvp would with the job's PATH: a name with a slash as it is (relative to the job's directory), any other searched for.
        var program = argv[0].Contains('/', StringComparison.Ordinal) ? argv[0] : JobCommandCheck.FindOnPath(argv[0], environment["PATH"]);
        var logFile = context.Log is FileStream { CanSeek: true } file ? file : null;
        using var gate = new SemaphoreSlim(1, 1);
        AnonymousPipeServerStream? pipe = null;
        int error;
        int pid;
        try
        {
            if (logFile is not null)
            {
                logFile.Flush();
                ProcessSpawn.SetAppend(logFile.SafeFileHandle);
                error = ProcessSpawn.Start(program, argv, environment, context.WorkingDirectory, logFile.SafeFileHandle, out pid);
            }
            else
            {
                pipe = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
                error = ProcessSpawn.Start(program, argv, environment, context.WorkingDirectory, pipe.ClientSafePipeHandle, out pid);
                pipe.DisposeLocalCopyOfClientHandle();
            }

            if (error != 0)
            {
                // As a shell or setsid would: 127 for a program that is not there, 126 for one that cannot run.
                await JobLog.WriteLineAsync(context.Log, $"artifactstore: cannot start '{argv[0]}': {ProcessSpawn.Describe(error)}");
                return error == Posix.ENoEnt ? 127 : 126;
            }

            // SETSID made the child the leader of a new session and process group: its pid is the group.
            var group = pid;
            var exit = ProcessSpawn.WaitForExitAsync(pid);
            await context.ProcessStarted(group);
            var output = pipe is null ? Task.CompletedTask : PumpAsync(pipe, context.Log, gate);
            int exitCode;
            try
            {
                exitCode = await exit.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                await ProcessGroups.TerminateAsync(group, killGracePeriod, CancellationToken.None);
                if (!exit.IsCompleted)
                {
                    // The command left its group (a setsid of its own); it is still our unreaped child, so its pid is its own.
                    ProcessSpawn.Signal(pid, ProcessGroups.SigKill);
                }

                await exit;
                await DrainAsync(output, Task.CompletedTask);
                throw;
            }

            // The command exited; anything it left behind in its group must not outlive the attempt.
            ProcessGroups.Signal(group, ProcessGroups.SigKill);
            await DrainAsync(output, Task.CompletedTask);
            return exitCode;
        }
        finally
        {
            if (pipe is not null)
            {
                await pipe.DisposeAsync();
            }

            // The command appended behind the stream's back: the server's next line goes after its output.
            logFile?.Seek(0, SeekOrigin.End);
        }
    }

    /// <summary>The portable path: <see cref="Process"/>, through <c>setsid</c> where it exists, output through two pipes.</summary>
    private async Task<int> StartProcessAsync(List<string> argv, IReadOnlyDictionary<string, string> environment, JobContext context, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            WorkingDirectory = context.WorkingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (ProcessGroups.SetSid is { } setsid)
        {
            start.FileName = setsid;
            foreach (var argument in argv)
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.FileName = argv[0];
            foreach (var argument in argv.Skip(1))
            {
                start.ArgumentList.Add(argument);
            }
        }

        // ProcessStartInfo starts from a copy of the server's environment: empty it, then set the job's.
        start.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            await JobLog.WriteLineAsync(context.Log, $"artifactstore: cannot start '{argv[0]}': {e.Message}");
            return 127;
        }

        // setsid exec()s the command in place: the pid we got leads the new process group.
        var group = process.Id;
        await context.ProcessStarted(group);
        process.StandardInput.Close();
        var gate = new SemaphoreSlim(1, 1);
        var stdout = PumpAsync(process.StandardOutput.BaseStream, context.Log, gate);
        var stderr = PumpAsync(process.StandardError.BaseStream, context.Log, gate);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await ProcessGroups.TerminateAsync(group, killGracePeriod, CancellationToken.None);
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            await process.WaitForExitAsync(CancellationToken.None);
            await DrainAsync(stdout, stderr);
            throw;
        }

        // The command exited; anything it left behind in its group must not outlive the attempt.
        ProcessGroups.Signal(group, ProcessGroups.SigKill);
        await DrainAsync(stdout, stderr);
        return process.ExitCode;
    }

    /// <summary>Waits for the output pumps, but not forever: a process that left the group could hold the pipes open.</summary>
    private static async Task DrainAsync(Task stdout, Task stderr)
    {
        var both = Task.WhenAll(stdout, stderr);
        await Task.WhenAny(both, Task.Delay(TimeSpan.FromSeconds(5)));
    }

    private static string Expand(string argument, JobContext context) => argument
        .Replace("{input}", context.InputPath, StringComparison.Ordinal)
        .Replace("{output_dir}", context.OutputDirectory, StringComparison.Ordinal)
        .Replace("{job_id}", context.JobId.ToString(), StringComparison.Ordinal);

    private static async Task PumpAsync(Stream source, Stream log, SemaphoreSlim gate)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await source.ReadAsync(buffer)) > 0)
        {
            await gate.WaitAsync();
            try
            {
                await log.WriteAsync(buffer.AsMemory(0, read));
                await log.FlushAsync();
            }
            finally
            {
                gate.Release();
            }
        }
    }
}
