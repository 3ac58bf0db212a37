using ArtifactStore.Core.Jobs;
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

    public async Task<long> CopyFromAsync(Guid jobId, long offset, Stream target, CancellationToken cancellationToken)
    {
        try
        {
            await using var log = new FileStream(new JobWorkspace(jobsDirectory, jobId).LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (log.Length <= offset)
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
