namespace ArtifactStore.Core.Jobs;

/// <summary>
/// Runs one attempt of a job. The configured commands use <see cref="CommandJobHandler"/>; a library
/// user may register an in-process handler on a <see cref="JobType"/> instead.
/// </summary>
public interface IJobHandler
{
    /// <summary>
    /// Converts <see cref="JobContext.InputPath"/> into files under <see cref="JobContext.OutputDirectory"/>,
    /// writing progress to <see cref="JobContext.Log"/>. Returns the exit code: 0 is success, anything
    /// else a failed attempt. When <paramref name="cancellationToken"/> fires (cancel, timeout, shutdown)
    /// the handler must stop promptly; what it returns then is ignored.
    /// </summary>
    Task<int> RunAsync(JobContext context, CancellationToken cancellationToken);
}
