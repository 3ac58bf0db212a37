using System.Diagnostics;
using ArtifactStore.Core.Platform;

namespace ArtifactStore.Core.Jobs;

/// <summary>
/// Runs a configured command (argv, no shell) for one attempt: placeholders replaced, the environment
/// of <see cref="JobEnvironment"/> (not the server's), stdout and stderr appended to the log, working
/// directory the job's. The command leads its own process group, so cancel and timeout reach every process it
/// started: TERM first, KILL after the grace period.
/// </summary>
public sealed class CommandJobHandler(IReadOnlyList<string> command, TimeSpan killGracePeriod, IReadOnlyList<string>? passEnvironment = null) : IJobHandler
{
    public async Task<int> RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        var argv = command.Select(a => Expand(a, context)).ToList();
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
        foreach (var (name, value) in JobEnvironment.For(context, passEnvironment ?? [], Environment.GetEnvironmentVariable))
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
