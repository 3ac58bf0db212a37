namespace ArtifactStore.Core.Jobs;

/// <summary>An attempt in progress in this process, and why it is being stopped early, if it is.</summary>
internal sealed class RunningJob(Guid jobId, int attempt) : IDisposable
{
    private int _stopReason;

    public Guid JobId { get; } = jobId;

    public int Attempt { get; } = attempt;

    public CancellationTokenSource Abort { get; } = new();

    public int? ProcessGroup { get; set; }

    public JobStopReason StopReason => (JobStopReason)Volatile.Read(ref _stopReason);

    /// <summary>Stops the attempt for <paramref name="reason"/>; the first reason given wins.</summary>
    public void Stop(JobStopReason reason)
    {
        if (Interlocked.CompareExchange(ref _stopReason, (int)reason, (int)JobStopReason.None) == (int)JobStopReason.None)
        {
            Abort.Cancel();
        }
    }

    public void Dispose() => Abort.Dispose();
}
