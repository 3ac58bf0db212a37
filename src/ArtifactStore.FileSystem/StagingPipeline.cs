using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Diagnostics;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Hashing;

namespace ArtifactStore.FileSystem;

/// <summary>
/// Streams content into a staging file while computing SHA-256 and BLAKE3, as a four-stage pipeline
/// so that the two digests and the file writes run on different cores at the same time:
/// <c>read → SHA-256 → BLAKE3 → write</c>. Each chunk is a pooled buffer that moves along the stages
/// in order and is owned by exactly one of them at a time (a stage that holds a chunk, or the
/// bounded channel it sits in); the write stage, or whoever holds it when the pipeline stops, returns
/// it to the pool, exactly once. Memory per upload is bounded by the channel capacities.
/// The write stage writes with <c>O_DIRECT</c> where the filesystem allows it (<see cref="DirectWrites"/>),
/// which is why chunks are aligned buffers (<see cref="AlignedBuffers"/>).
/// Content that fits in one chunk skips the pipeline and is handled inline.
/// </summary>
internal static partial class StagingPipeline
{
    public const int ChunkSize = 1024 * 1024;

    // Without O_DIRECT, writeback of the staged file is started every this many bytes, so that the fsync
    // at the end finds little left to write instead of the whole upload.
    private const long WritebackInterval = 8 * 1024 * 1024;
    private const int SyncFileRangeWrite = 2;

    // Per channel; with one chunk held by each of the four stages, at most 4 + 3 * 2 chunks are in flight.
    private const int ChannelCapacity = 2;

    private static readonly BoundedChannelOptions ChannelOptions = new(ChannelCapacity)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    };

    public static async Task<Result<StagedBlob>> RunAsync(Stream content, long maxBytes, string tempPath, CancellationToken cancellationToken)
    {
        var first = AlignedBuffers.Rent();
        int firstLength;
        try
        {
            firstLength = await ReadFullAsync(content, first, cancellationToken);
        }
        catch
        {
            AlignedBuffers.Return(first);
            throw;
        }

        if (firstLength < ChunkSize)
        {
            try
            {
                return StageWhole(first.Span[..firstLength], maxBytes, tempPath);
            }
            finally
            {
                AlignedBuffers.Return(first);
            }
        }

        return await RunPipelineAsync(content, new Chunk(first, firstLength), maxBytes, tempPath, cancellationToken);
    }

    /// <summary>Content that arrived whole in the first read: digest and write it on this thread.</summary>
    private static Result<StagedBlob> StageWhole(ReadOnlySpan<byte> bytes, long maxBytes, string tempPath)
    {
        if (bytes.Length > maxBytes)
        {
            return StoreErrorsFor.TooLarge(maxBytes);
        }

        Span<byte> sha256 = stackalloc byte[32];
        SHA256.HashData(bytes, sha256);
        Span<byte> blake3 = stackalloc byte[32];
        using var hasher = Blake3Hasher.Create();
        hasher.Update(bytes);
        hasher.Finalize(blake3);
        using (var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            file.Write(bytes);
            // Durability point for the staged copy: a failed fsync throws and the upload fails.
            StoreMetrics.TimeFsync("file", () => file.Flush(flushToDisk: true));
        }

        return new StagedBlob(BlobDigest.FromBytes(sha256), Convert.ToHexStringLower(blake3), bytes.Length, tempPath);
    }

    private static async Task<Result<StagedBlob>> RunPipelineAsync(Stream content, Chunk first, long maxBytes, string tempPath, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var toSha256 = Channel.CreateBounded<Chunk>(ChannelOptions);
        var toBlake3 = Channel.CreateBounded<Chunk>(ChannelOptions);
        var toFile = Channel.CreateBounded<Chunk>(ChannelOptions);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var blake3 = Blake3Hasher.Create();
        var file = DirectWrites.Create(tempPath, out var direct);
        Task[] stages;
        try
        {
            stages =
            [
                Task.Run(() => PassAsync(toSha256.Reader, toBlake3.Writer, chunk => sha256.AppendData(chunk.Span), stop), CancellationToken.None),
                Task.Run(() => PassAsync(toBlake3.Reader, toFile.Writer, chunk => blake3.Update(chunk.Span), stop), CancellationToken.None),
                Task.Run(() => WriteAllAsync(toFile.Reader, file, direct, stop), CancellationToken.None),
            ];
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }

        long length = 0;
        var tooLarge = false;
        ExceptionDispatchInfo? readFailure = null;
        try
        {
            var chunk = first;
            while (true)
            {
                if (length + chunk.Length > maxBytes)
                {
                    chunk.Return();
                    tooLarge = true;
                    break;
                }

                length += chunk.Length;
                await HandOverAsync(toSha256.Writer, chunk, stop.Token);
                var buffer = AlignedBuffers.Rent();
                int read;
                try
                {
                    // Not stop.Token: a request body read canceled half-way leaves the server's body reader
                    // "already reading", so the rest of the body could not be drained and the client, still
                    // sending, would see its connection reset instead of the answer (a full disk's 507).
                    // A read in progress ends when the client's next bytes arrive; the hand-over after it
                    // sees the stop.
                    read = await ReadFullAsync(content, buffer, cancellationToken);
                }
                catch
                {
                    AlignedBuffers.Return(buffer);
                    throw;
                }

                if (read == 0)
                {
                    AlignedBuffers.Return(buffer);
                    break;
                }

                chunk = new Chunk(buffer, read);
            }
        }
        catch (Exception e)
        {
            readFailure = ExceptionDispatchInfo.Capture(e);
        }

        if (readFailure is not null || tooLarge)
        {
            await stop.CancelAsync();
        }

        toSha256.Writer.TryComplete();
        try
        {
            // Every stage has stopped once this returns: no write or digest still uses a buffer or the file.
            await Task.WhenAll(stages).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        finally
        {
            await file.DisposeAsync();
            // Chunks left in a channel belong to no stage any more.
            ReturnLeftovers(toSha256.Reader, toBlake3.Reader, toFile.Reader);
        }

        // A stage's own failure (a failed write or fsync, a full disk) explains the others' cancellation.
        if (stages.Select(s => s.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException) is { } stageFailure)
        {
            ExceptionDispatchInfo.Throw(stageFailure);
        }

        readFailure?.Throw();
        cancellationToken.ThrowIfCancellationRequested();
        if (tooLarge)
        {
            return StoreErrorsFor.TooLarge(maxBytes);
        }

        if (stages.FirstOrDefault(s => !s.IsCompletedSuccessfully) is { } stopped)
        {
            await stopped;
        }

        Span<byte> sha256Hash = stackalloc byte[32];
        sha256.GetHashAndReset(sha256Hash);
        Span<byte> blake3Hash = stackalloc byte[32];
        blake3.Finalize(blake3Hash);
        return new StagedBlob(BlobDigest.FromBytes(sha256Hash), Convert.ToHexStringLower(blake3Hash), length, tempPath);
    }

    /// <summary>One middle stage: applies <paramref name="work"/> to each chunk in order and hands it on.</summary>
    private static async Task PassAsync(ChannelReader<Chunk> input, ChannelWriter<Chunk> output, Action<Chunk> work, CancellationTokenSource stop)
    {
        try
        {
            while (await input.WaitToReadAsync(stop.Token))
            {
                while (input.TryRead(out var chunk))
                {
                    try
                    {
                        work(chunk);
                    }
                    catch
                    {
                        chunk.Return();
                        throw;
                    }

                    await HandOverAsync(output, chunk, stop.Token);
                }
            }
        }
        catch
        {
            await stop.CancelAsync();
            throw;
        }
        finally
        {
            output.TryComplete();
        }
    }

    /// <summary>
    /// The last stage: writes each chunk at the end of the file (directly while <paramref name="direct"/> holds and
    /// the chunk is whole blocks, through the page cache otherwise), gives its buffer back, and fsyncs at the end.
    /// </summary>
    private static async Task WriteAllAsync(ChannelReader<Chunk> input, FileStream file, bool direct, CancellationTokenSource stop)
    {
        long written = 0;
        long writebackFrom = 0;
        try
        {
            while (await input.WaitToReadAsync(stop.Token))
            {
                while (input.TryRead(out var chunk))
                {
                    try
                    {
                        direct = Write(file, chunk.Span, direct);
                        written += chunk.Length;
                    }
                    finally
                    {
                        chunk.Return();
                    }

                    if (!direct && written - writebackFrom >= WritebackInterval)
                    {
                        StartWriteback(file, writebackFrom, written - writebackFrom);
                        writebackFrom = written;
                    }
                }
            }

            stop.Token.ThrowIfCancellationRequested();
            // Durability point for the staged copy: a failed fsync throws and the upload fails.
            StoreMetrics.TimeFsync("file", () => file.Flush(flushToDisk: true));
        }
        catch
        {
            await stop.CancelAsync();
            throw;
        }
    }

    /// <summary>Writes one chunk; answers whether the file is still written directly afterwards.</summary>
    private static bool Write(FileStream file, ReadOnlySpan<byte> chunk, bool direct)
    {
        if (direct && !DirectWrites.IsAligned(chunk.Length))
        {
            // Only the last chunk can be a partial one: the tail goes through the page cache.
            DirectWrites.StopDirect(file);
            direct = false;
        }

        if (!direct)
        {
            file.Write(chunk);
            return false;
        }

        try
        {
            file.Write(chunk);
            return true;
        }
        catch (IOException e) when (DirectWrites.IsRefusal(e))
        {
            // The filesystem took O_DIRECT at open but refuses this write (its block size is larger than our
            // alignment, say): the same write through the page cache. Nothing was written by the refused one.
            DirectWrites.StopDirect(file);
            file.Write(chunk);
            return false;
        }
    }

    /// <summary>
    /// Asks the kernel to start writing a range of the file to disk without waiting for it. Only an
    /// optimization: durability still comes from the fsync at the end, so a failure here is ignored.
    /// </summary>
    private static void StartWriteback(FileStream file, long offset, long count)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = SyncFileRange((int)file.SafeFileHandle.DangerousGetHandle(), offset, count, SyncFileRangeWrite);
        }
    }

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(int fd, long offset, long count, int flags);

    /// <summary>Passes a chunk to the next stage; if that fails, the chunk is still ours and goes back to the pool.</summary>
    private static async ValueTask HandOverAsync(ChannelWriter<Chunk> output, Chunk chunk, CancellationToken cancellationToken)
    {
        try
        {
            await output.WriteAsync(chunk, cancellationToken);
        }
        catch
        {
            chunk.Return();
            throw;
        }
    }

    private static void ReturnLeftovers(params ChannelReader<Chunk>[] channels)
    {
        foreach (var channel in channels)
        {
            while (channel.TryRead(out var chunk))
            {
                chunk.Return();
            }
        }
    }

    private static async ValueTask<int> ReadFullAsync(Stream stream, AlignedBuffer buffer, CancellationToken cancellationToken)
    {
        var memory = buffer.Memory;
        var total = 0;
        while (total < memory.Length)
        {
            var read = await stream.ReadAsync(memory[total..], cancellationToken);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    /// <summary>A pooled buffer and how many of its bytes are content.</summary>
    private readonly record struct Chunk(AlignedBuffer Buffer, int Length)
    {
        public ReadOnlySpan<byte> Span => Buffer.Span[..Length];

        public void Return() => AlignedBuffers.Return(Buffer);
    }
}
