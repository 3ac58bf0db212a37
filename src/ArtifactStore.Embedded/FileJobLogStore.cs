using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Platform;

namespace ArtifactStore.Embedded;

/// <summary>
/// The embedded backend's live job logs: <c>logs/run.log</c> in the job's working directory under the data
/// root's <c>jobs/</c>. A file suits a backend that allows one process per root: that process both runs
/// the jobs and serves the API, a converter's output streams to it without a database commit per line,
/// and the workspace stages the same file as the log package. A shared backend keeps the log where every
/// replica reads it.
/// </summary>
public sealed class FileJobLogStore(string jobsDirectory) : IJobLogStore
{
    public Task<Stream> OpenAppendAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var path = new JobWorkspace(jobsDirectory, jobId).LogPath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return Task.FromResult<Stream>(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete));
    }

    /// <summary>Nothing to do: the log is in the working directory, which the runner removes after the outcome.</summary>
    public Task ForgetAsync(Guid jobId, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<long> CopyFromAsync(Guid jobId, long offset, Stream target, CancellationToken cancellationToken)
    {
        try
        {
            // A command could replace its log with a FIFO or a link: only a regular file is read, so a
            // follower of the log is never blocked by what a job left in its directory.
            await using var log = RegularFiles.OpenRead(new JobWorkspace(jobsDirectory, jobId).LogPath, out _);
            if (log is null || log.Length <= offset)
            {
                return 0;
            }

            log.Position = offset;
            await log.CopyToAsync(target, cancellationToken);
            return log.Position - offset;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return 0;
        }
    }
}
