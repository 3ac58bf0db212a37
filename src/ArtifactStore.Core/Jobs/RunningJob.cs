namespace ArtifactStore.Core.Jobs;

/// <summary>An attempt in progress in this process, and why it is being stopped early, if it is.</summary>
internal sealed class RunningJob(Guid jobId, int attempt) : IDisposable
{
    /// <summary>Marks a hand-over that is closed: taken by the slot, or refused to an abandoned attempt.</summary>
    private static readonly LeasedJob Closed = new(null!, 0);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopReason;
    private int _abandoned;
    private LeasedJob? _next;

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

    /// <summary>
    /// Marks the attempt abandoned, and closes the hand-over: a next job the attempt leases after this is not
    /// taken by the slot (<see cref="TryHandOver"/> says so), so the attempt gives it back itself.
    /// </summary>
    public void Abandon()
    {
        Volatile.Write(ref _abandoned, 1);
        Interlocked.CompareExchange(ref _next, Closed, null);
    }

    /// <summary>
    /// Hands the job leased in the same unit of work as this attempt's outcome to the slot; false when the slot
    /// no longer waits for it (the attempt was abandoned), and the caller must give the job back.
    /// </summary>
    public bool TryHandOver(LeasedJob next) => Interlocked.CompareExchange(ref _next, next, null) is null;

    /// <summary>The job handed over by the attempt, if any; after this nothing more is taken.</summary>
    public LeasedJob? TakeNext()
    {
        var next = Interlocked.Exchange(ref _next, Closed);
        return ReferenceEquals(next, Closed) ? null : next;
    }

    public void Dispose() => Abort.Dispose();
}
