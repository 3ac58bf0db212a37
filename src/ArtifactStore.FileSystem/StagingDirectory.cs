using System.Runtime.CompilerServices;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;

namespace ArtifactStore.FileSystem;

/// <summary>
/// The local directory uploads are staged in (the data root's <c>tmp/</c>), for every blob store that stages
/// on this machine's disk before it puts (the file-system store, and the S3 store before its upload): naming
/// staged files, running the <see cref="StagingPipeline"/>, discarding, and listing what is left (fsck).
/// </summary>
internal sealed class StagingDirectory(string path)
{
    public string Path => path;

    /// <summary>Streams <paramref name="content"/> into a new staged file; a failed staging leaves no file.</summary>
    public async Task<Result<StagedBlob>> StageAsync(Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var tempPath = System.IO.Path.Combine(path, "upload-" + Guid.NewGuid().ToString("N"));
        var completed = false;
        try
        {
            // Read, SHA-256, BLAKE3 and the write run side by side on pooled buffers, so memory stays bounded
            // whatever the upload's size; the staged file is fsynced when this returns.
            var staged = await StagingPipeline.RunAsync(content, maxBytes, tempPath, cancellationToken);
            completed = staged.IsSuccess;
            return staged;
        }
        finally
        {
            if (!completed)
            {
                TryDelete(tempPath);
            }
        }
    }

    public static void Discard(StagedBlob staged) => TryDelete(staged.StagingToken);

    public async IAsyncEnumerable<StagingEntry> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (!Directory.Exists(path))
        {
            yield break;
        }

        foreach (var entry in new DirectoryInfo(path).EnumerateFiles())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new StagingEntry(entry.Name, entry.Length, new DateTimeOffset(entry.LastWriteTimeUtc, TimeSpan.Zero));
        }
    }

    /// <summary>Removes a listed entry: a name from the listing, never a path, so nothing outside the directory can be named.</summary>
    public void Discard(StagingEntry entry) => TryDelete(System.IO.Path.Combine(path, System.IO.Path.GetFileName(entry.Name)));

    public static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
            // Leftovers in tmp/ are removed at the next start.
        }
    }
}
