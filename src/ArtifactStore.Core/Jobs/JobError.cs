namespace ArtifactStore.Core.Jobs;

/// <summary>Why an attempt or a job failed: a stable <see cref="Code"/> and a message for people (exit code, log tail).</summary>
public sealed record JobError(string Code, string Message)
{
    public const string ExitCode = "exit_code";
    public const string Timeout = "timeout";
    public const string Interrupted = "interrupted";
    public const string LeaseExpired = "lease_expired";
    public const string HandlerFailed = "handler_failed";
    public const string InputUnavailable = "input_unavailable";
    public const string OutputRejected = "output_rejected";
}
