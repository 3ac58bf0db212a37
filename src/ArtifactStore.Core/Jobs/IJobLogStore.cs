namespace ArtifactStore.Core.Jobs;

/// <summary>
/// The live log of a job: written by the process that runs its attempts, read (and followed) by any
/// process that serves the API (docs/jobs.md "Logs"). A log is complete once its job has finished: its
/// final text is then in the job's log or output package (<c>logs/run.log</c>) and readers go there;
/// the live log may be gone.
/// </summary>
public interface IJobLogStore
{
    /// <summary>
    /// Opens the job's log for appending, creating it when missing; the attempts of a job append to one
    /// log in turn. Whatever is written and flushed is visible to <see cref="CopyFromAsync"/> at once.
    /// Not durable across a crash: the log that counts is the package an outcome stores.
    /// </summary>
    Task<Stream> OpenAppendAsync(Guid jobId, CancellationToken cancellationToken);

    /// <summary>
    /// Copies what the log holds from byte <paramref name="offset"/> on into <paramref name="target"/> and
    /// returns how many bytes it copied: 0 when there is nothing new or no live log. Never waits for more;
    /// a follower calls it again.
    /// </summary>
    Task<long> CopyFromAsync(Guid jobId, long offset, Stream target, CancellationToken cancellationToken);

    /// <summary>
    /// Drops the live log of a job that has finished (its final text is in its log or output package).
    /// Called once the outcome has committed; a log that is already gone, or lives where something else
    /// removes it (a working directory), is no error.
    /// </summary>
    Task ForgetAsync(Guid jobId, CancellationToken cancellationToken);
}
