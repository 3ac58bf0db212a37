namespace ArtifactStore.Core.Jobs;

/// <summary>How one attempt ended, before it is recorded.</summary>
internal sealed record AttemptOutcome(OutcomeKind Kind, JobError? Error, int? ExitCode, TimeSpan Backoff)
{
    public static AttemptOutcome Succeeded() => new(OutcomeKind.Succeeded, null, 0, TimeSpan.Zero);

    public static AttemptOutcome Retry(JobError error, int? exitCode, TimeSpan backoff) => new(OutcomeKind.Retry, error, exitCode, backoff);

    public static AttemptOutcome FailedNow(JobError error, int? exitCode) => new(OutcomeKind.Failed, error, exitCode, TimeSpan.Zero);

    public static AttemptOutcome Canceled() => new(OutcomeKind.Canceled, null, null, TimeSpan.Zero);

    public static AttemptOutcome Shutdown() => new(OutcomeKind.Shutdown, null, null, TimeSpan.Zero);

    public static AttemptOutcome LeaseLost() => new(OutcomeKind.LeaseLost, null, null, TimeSpan.Zero);

    public string Describe() => Kind switch
    {
        OutcomeKind.Succeeded => "succeeded",
        OutcomeKind.Retry => $"{Error!.Code}, retrying after {Backoff}",
        OutcomeKind.Failed => $"{Error!.Code}, no attempts left",
        OutcomeKind.Canceled => "canceled",
        OutcomeKind.Shutdown => "stopped by shutdown, requeued",
        _ => "lease lost",
    };
}
