namespace ArtifactStore.Core.Jobs;

/// <summary>Lines the store itself writes into a job's <c>logs/run.log</c>, between the converter's output.</summary>
internal static class JobLog
{
    /// <summary>Writes one line and flushes it, so live readers and the log tail see it at once.</summary>
    public static async Task WriteLineAsync(Stream log, string line)
    {
        await log.WriteAsync(System.Text.Encoding.UTF8.GetBytes(line + "\n"));
        await log.FlushAsync();
    }
}
