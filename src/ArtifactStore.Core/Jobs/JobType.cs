namespace ArtifactStore.Core.Jobs;

/// <summary>
/// A kind of job (docs/jobs.md): either a command (argv, no shell unless the operator writes one; the
/// placeholders <c>{input}</c>, <c>{output_dir}</c> and <c>{job_id}</c> are replaced in each argument)
/// or an in-process <see cref="Handler"/> registered by a library user.
/// </summary>
public sealed record JobType(string Name)
{
    public IReadOnlyList<string> Command { get; init; } = [];

    public IJobHandler? Handler { get; init; }

    /// <summary>
    /// Names of variables of the server's environment that the command also gets (when set there); by
    /// default it gets only the small set of <see cref="JobEnvironment"/>. Default none.
    /// </summary>
    public IReadOnlyList<string> PassEnvironment { get; init; } = [];

    /// <summary>How long one attempt may run before it is killed. Default 1 h.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Attempts before the job fails for good. Default 3.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The wait before the second attempt; it doubles for each later one. Default 10 s.</summary>
    public TimeSpan Backoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Retention class of the raw input package. Default <c>ephemeral</c>.</summary>
    public string InputClass { get; init; } = "ephemeral";

    /// <summary>Retention class of the output package and of the job record. Default <c>standard</c>.</summary>
    public string OutputClass { get; init; } = "standard";

    /// <summary>The wait after failed attempt <paramref name="attempt"/> (1-based): Backoff · 2^(attempt-1), at most a day.</summary>
    public TimeSpan BackoffAfter(int attempt) =>
        TimeSpan.FromTicks(Math.Min(TimeSpan.FromDays(1).Ticks, Backoff.Ticks * (1L << Math.Clamp(attempt - 1, 0, 30))));
}
