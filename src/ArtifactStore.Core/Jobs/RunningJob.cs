namespace ArtifactStore.Core.Jobs;

/// <summary>An attempt in progress in this process, and why it is being stopped early, if it is.</summary>
internal sealed class RunningJob(Guid jobId, int attempt) : IDisposable
{
    private readonly TaskCompletionSource _commandEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopReason;
    private int _abandoned;

    public Guid JobId { get; } = jobId;

    public int Attempt { get; } = attempt;

    public CancellationTokenSource Abort { get; } = new();

    public int? ProcessGroup { get; set; }

    public JobStopReason StopReason => (JobStopReason)Volatile.Read(ref _stopReason);

    /// <summary>Completes when the attempt is told to stop, whatever phase it is in.</summary>
    public Task Stopped => _stopped.Task;

    /// <summary>
    /// Whether the runner gave up waiting for the attempt after it was stopped and recorded its outcome
    /// itself; whatever the attempt still does then must leave the job and its directory alone.
    /// </summary>
    public bool IsAbandoned => Volatile.Read(ref _abandoned) == 1;

    /// <summary>Stops the attempt for <paramref name="reason"/>; the first reason given wins.</summary>
    public void Stop(JobStopReason reason)
    {
        if (Interlocked.CompareExchange(ref _stopReason, (int)reason, (int)JobStopReason.None) == (int)JobStopReason.None)
        {
            _stopped.TrySetResult();
            try
            {
                Abort.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The attempt has already ended.
            }
        }
    }

    /// <summary>Marks the attempt abandoned.</summary>
    public void Abandon() => Volatile.Write(ref _abandoned, 1);

    /// <summary>
    /// Completes when the attempt no longer runs a command (it ended, was never started, or the attempt was
    /// abandoned): from then on its slot may lease and run its next job.
    /// </summary>
    public Task CommandEnded => _commandEnded.Task;

    /// <summary>The attempt's command has ended (or will not run, or the attempt was abandoned); safe to call more than once.</summary>
    public void EndCommand() => _commandEnded.TrySetResult();

    public void Dispose() => Abort.Dispose();
}
