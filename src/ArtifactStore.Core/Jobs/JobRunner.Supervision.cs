using ArtifactStore.Core.Platform;

namespace ArtifactStore.Core.Jobs;

public sealed partial class JobRunner
{
    /// <summary>
    /// Time an attempt has, beyond <see cref="JobOptions.KillGracePeriod"/>, between being told to stop
    /// and having recorded its outcome: enough to kill the process group, drain its pipes and commit.
    /// </summary>
    public static readonly TimeSpan StopMargin = TimeSpan.FromSeconds(2);

    /// <summary>How long a stopped attempt may take to end before the runner abandons it.</summary>
    public TimeSpan StopDeadline => Jobs.KillGracePeriod + StopMargin;

    /// <summary>
    /// Runs one attempt on its own task and waits for it, but once the attempt is told to stop, for no
    /// longer than <see cref="StopDeadline"/>. Whatever phase it is stuck in (a process in
    /// uninterruptible sleep, a read that never returns, a handler that ignores its token), the job is
    /// then recorded as the stop decides and the slot is free again.
    /// </summary>
    private async Task RunSupervisedAsync(LeasedJob leased, RunningJob running)
    {
        var (job, attempt) = (leased.Job, leased.Attempt);
        _running[job.Id] = running;
        using var ended = new CancellationTokenSource();
        var work = Task.Run(() => RunAttemptAsync(job, attempt, running), CancellationToken.None);
        var deadline = StopDeadlinePassedAsync(running, ended.Token);
        var first = await Task.WhenAny(work, deadline);
        await ended.CancelAsync();
        _running.TryRemove(KeyValuePair.Create(job.Id, running));
        if (first == work)
        {
            running.EndCommand();
            running.Dispose();
            return;
        }

        await AbandonAsync(job, attempt, running);

        // The attempt may still end one day; it records nothing then, as its lease is gone.
        _ = work.ContinueWith(_ => running.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    private async Task StopDeadlinePassedAsync(RunningJob running, CancellationToken cancellationToken)
    {
        await running.Stopped.WaitAsync(cancellationToken);
        await Task.Delay(StopDeadline, time, cancellationToken);
    }

    /// <summary>Records the outcome of a stopped attempt that did not end in time, kills what it started, and clears its directory.</summary>
    private async Task AbandonAsync(JobView job, int attempt, RunningJob running)
    {
        running.Abandon();
        var reason = running.StopReason;
        OnProblem?.Invoke($"job {job.Id} attempt {attempt} did not end within {StopDeadline} of being stopped ({reason}); it is abandoned and its outcome recorded without it", null);
        if (running.ProcessGroup is { } group)
        {
            ProcessGroups.Signal(group, ProcessGroups.SigKill);
        }

        // Whatever the attempt still does, its slot may run another job now.
        running.EndCommand();
        var workspace = new JobWorkspace(jobsDirectory, job.Id);
        try
        {
            var outcome = OutcomeOfStop(job, Jobs.Find(job.Type)!, attempt, reason, workspace);
            if (outcome.Kind != OutcomeKind.LeaseLost)
            {
                await RecordAsync(job, attempt, outcome, prepared: null);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            OnProblem?.Invoke($"job {job.Id} attempt {attempt}: recording the outcome of the abandoned attempt failed; the lease expires and the job is requeued", e);
        }

        try
        {
            workspace.Delete();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            OnProblem?.Invoke($"cannot remove the working directory of job {job.Id}", e);
        }
    }
}
