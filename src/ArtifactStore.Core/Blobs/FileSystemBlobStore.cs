using System.Buffers;
using System.Runtime.CompilerServices;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Platform;

namespace ArtifactStore.Core.Blobs;

/// <summary>
/// Blobs as files under <c>blobs/sha256/ab/cd/&lt;hex&gt;</c>, staged in <c>tmp/</c>.
/// Every publish is temp file → fsync → rename → directory fsync, so a blob is either whole at its
/// address or absent, whatever moment the process dies.
/// </summary>
public sealed class FileSystemBlobStore : IBlobStore
{
    private const int BufferSize = 1024 * 1024;
    private readonly string _blobRoot;
    private readonly string _tempDirectory;

    public FileSystemBlobStore(string blobDirectory, string tempDirectory)
    {
        _blobRoot = Path.Combine(blobDirectory, "sha256");
        _tempDirectory = tempDirectory;
        Directory.CreateDirectory(_blobRoot);
        Directory.CreateDirectory(_tempDirectory);
    }

    public string PathOf(BlobDigest digest) =>
        Path.Combine(_blobRoot, digest.Hex[..2], digest.Hex[2..4], digest.Hex);

    public async Task<Result<StagedBlob>> StageAsync(Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var tempPath = Path.Combine(_tempDirectory, "upload-" + Guid.NewGuid().ToString("N"));
        // Two buffers: the next chunk is read and hashed while the previous one is being written.
        var first = ArrayPool<byte>.Shared.Rent(BufferSize);
        var second = ArrayPool<byte>.Shared.Rent(BufferSize);
        var completed = false;
        var pendingWrite = Task.CompletedTask;
        try
        {
            using var digester = new DualDigester();
            await using (var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous))
            {
                var (current, spare) = (first, second);
                while (true)
                {
                    var read = await ReadFullAsync(content, current, cancellationToken);
                    if (read == 0)
                    {
                        break;
                    }

                    if (digester.Length + read > maxBytes)
                    {
                        await pendingWrite;
                        return StoreErrorsFor.TooLarge(maxBytes);
                    }

                    digester.Append(current.AsSpan(0, read));
                    await pendingWrite;
                    pendingWrite = file.WriteAsync(current.AsMemory(0, read), cancellationToken).AsTask();
                    (current, spare) = (spare, current);
                }

                await pendingWrite;

                // Durability point for the staged copy: a failed fsync throws and the upload fails.
                file.Flush(flushToDisk: true);
            }

            var (sha256, blake3) = digester.Finish();
            completed = true;
            return new StagedBlob(sha256, blake3, digester.Length, tempPath);
        }
        finally
        {
            // A buffer may go back to the pool only once no write is using it.
            await pendingWrite.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            ArrayPool<byte>.Shared.Return(first);
            ArrayPool<byte>.Shared.Return(second);
            if (!completed)
            {
                TryDelete(tempPath);
            }
        }
    }

    public Task<BlobPublishOutcome> PublishAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        var finalPath = PathOf(staged.Digest);
        var existing = new FileInfo(finalPath);
        if (existing.Exists && existing.Length == staged.Size)
        {
            TryDelete(staged.StagingToken);
            return Task.FromResult(BlobPublishOutcome.AlreadyExists);
        }

        var directory = Path.GetDirectoryName(finalPath)!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory);
            // New fan-out directories must themselves survive a crash.
            Posix.FsyncDirectory(Path.GetDirectoryName(directory)!);
            Posix.FsyncDirectory(Path.GetDirectoryName(Path.GetDirectoryName(directory)!)!);
        }

        // A file of the wrong length at the address is damaged; the fresh, verified copy replaces it.
        File.Move(staged.StagingToken, finalPath, overwrite: true);
        Posix.FsyncDirectory(directory);
        // The blob is durable at its address from here on.
        return Task.FromResult(BlobPublishOutcome.Published);
    }

    public Task DiscardAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        TryDelete(staged.StagingToken);
        return Task.CompletedTask;
    }

    public Task<BlobContent?> OpenReadAsync(BlobDigest digest, CancellationToken cancellationToken)
    {
        try
        {
            var stream = new FileStream(PathOf(digest), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
            var info = new FileInfo(PathOf(digest));
            return Task.FromResult<BlobContent?>(new BlobContent(stream, stream.Length, info.LastWriteTimeUtc.Ticks));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<BlobContent?>(null);
        }
    }

    public Task<BlobStat?> StatAsync(BlobDigest digest, CancellationToken cancellationToken)
    {
        var info = new FileInfo(PathOf(digest));
        return Task.FromResult(info.Exists ? new BlobStat(info.Length, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero)) : null);
    }

    public Task<long?> DeleteAsync(BlobDigest digest, CancellationToken cancellationToken)
    {
        var path = PathOf(digest);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return Task.FromResult<long?>(null);
        }

        var length = info.Length;
        File.Delete(path);
        Posix.FsyncDirectory(Path.GetDirectoryName(path)!);
        return Task.FromResult<long?>(length);
    }

    public async IAsyncEnumerable<BlobDigest> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        foreach (var file in Directory.EnumerateFiles(_blobRoot, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (BlobDigest.TryParse(Path.GetFileName(file), out var digest))
            {
                yield return digest.Value;
            }
        }
    }

    private static async ValueTask<int> ReadFullAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var limit = Math.Min(BufferSize, buffer.Length);
        var total = 0;
        while (total < limit)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(total, limit - total), cancellationToken);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Leftovers in tmp/ are removed at the next start.
        }
    }
}
