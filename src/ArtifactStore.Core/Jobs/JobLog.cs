namespace ArtifactStore.Core.Jobs;

/// <summary>Lines the store itself writes into a job's <c>logs/run.log</c>, between the converter's output.</summary>
internal static class JobLog
{
    /// <summary>
    /// Writes one line and flushes it, so live readers and the log tail see it at once. A local file (the
    /// embedded backend's log) is written where the call is made: its asynchronous write would only hand the same
    /// blocking <c>pwrite</c> of a few bytes to another thread-pool thread (docs/performance.md, "Less CPU per
    /// job"). Any other log (the scale-out backend's, which writes to PostgreSQL) is written asynchronously.
    /// </summary>
    public static async Task WriteLineAsync(Stream log, string line)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(line + "\n");
        if (log is FileStream)
        {
            log.Write(bytes);
            log.Flush();
            return;
        }

        await log.WriteAsync(bytes);
        await log.FlushAsync();
    }
}
