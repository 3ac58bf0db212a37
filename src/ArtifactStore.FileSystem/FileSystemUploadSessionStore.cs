using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Ids;
using ArtifactStore.Core.Roots;
using ArtifactStore.Core.Time;
using ArtifactStore.Core.Uploads;

namespace ArtifactStore.FileSystem;

/// <summary>
/// Upload sessions as directories under the data root's <c>uploads/</c> (docs/upload.md, "Upload sessions"):
/// <c>uploads/&lt;id&gt;/data</c> holds the bytes, <c>uploads/&lt;id&gt;/session.json</c> the owner, limits,
/// expiry and the durable offset, replaced atomically after the data is fsynced. The offset in
/// <c>session.json</c> is the truth: bytes past it (a chunk cut off by a crash) are cut away before the next
/// chunk is written. SHA-256 and BLAKE3 are kept in memory across chunks; neither algorithm's state can be
/// saved by the libraries used, so after a restart (or a failed chunk) the first call that needs them hashes
/// the accepted prefix once, then goes on incrementally. <c>uploads/</c> is on the same filesystem as
/// <c>blobs/</c>, so finishing links the data file to its address without copying it.
/// </summary>
public sealed class FileSystemUploadSessionStore : IUploadSessionStore
{
    private const string DataFile = "data";
    private const string StateFile = "session.json";
    private const int BufferSize = 1024 * 1024;

    /// <summary>During a long chunk the offset is made durable this often, so a crash loses at most this much of it.</summary>
    private const long CheckpointBytes = 64L * 1024 * 1024;

    private readonly string _directory;
    private readonly ConcurrentDictionary<Guid, SessionEntry> _entries = new();

    public FileSystemUploadSessionStore(string directory)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
    }

    public Task<UploadSession> CreateAsync(string owner, long maxBytes, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var session = new UploadSession(Guid.CreateVersion7(now), owner, 0, maxBytes, Rfc3339.Truncate(now), Rfc3339.Truncate(expiresAt));
        var directory = DirectoryOf(session.Id);
        Directory.CreateDirectory(directory);
        using (var data = new FileStream(Path.Combine(directory, DataFile), FileMode.CreateNew, FileAccess.Write))
        {
            data.Flush(flushToDisk: true);
        }

        WriteState(session);
        DurableFile.FsyncDirectory(_directory);
        return Task.FromResult(session);
    }

    public Task<UploadSession?> GetAsync(Guid id, CancellationToken cancellationToken) => Task.FromResult(ReadState(id));

    public async Task<Result<UploadSession>> AppendAsync(Guid id, long offset, Stream chunk, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(id, _ => new SessionEntry());
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            if (ReadState(id) is not { } session)
            {
                return NotFound(id);
            }

            if (offset != session.Offset)
            {
                return OffsetMismatch(session, $"the chunk starts at byte {offset} but the session holds {session.Offset} bytes: send the chunk that starts at {session.Offset}");
            }

            var digests = await DigestsOf(entry, session, cancellationToken);
            return await WriteChunkAsync(entry, digests, session, chunk, Rfc3339.Truncate(expiresAt), cancellationToken);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    public async Task<Result<StagedBlob>> CompleteAsync(Guid id, BlobDigest expected, Func<StagedBlob, CancellationToken, Task> publish, CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(id, _ => new SessionEntry());
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            if (ReadState(id) is not { } session)
            {
                return NotFound(id);
            }

            var (sha256, blake3) = (await DigestsOf(entry, session, cancellationToken)).Current();
            if (sha256 != expected)
            {
                return new StoreError(UploadErrorCodes.DigestMismatch,
                    $"the {session.Offset} bytes of this session have the digest {sha256}, not {expected}; the session is unchanged",
                    new Dictionary<string, object?> { ["offset"] = session.Offset, ["digest"] = sha256.ToString() });
            }

            var staged = new StagedBlob(sha256, blake3, session.Offset, Path.Combine(DirectoryOf(id), DataFile));
            await publish(staged, cancellationToken);
            RemoveUnderLock(id, entry);
            return staged;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    public async Task<long?> RemoveAsync(Guid id, DateTimeOffset? expiredBy, CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(id, _ => new SessionEntry());
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            if (ReadState(id) is not { } session || (expiredBy is { } now && session.ExpiresAt > now))
            {
                _entries.TryRemove(KeyValuePair.Create(id, entry));
                return null;
            }

            return RemoveUnderLock(id, entry);
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    public async IAsyncEnumerable<UploadSession> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        foreach (var directory in Directory.EnumerateDirectories(_directory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (CanonicalId.TryParse(Path.GetFileName(directory), out var id) && ReadState(id) is { } session)
            {
                yield return session;
            }
        }
    }

    private async Task<Result<UploadSession>> WriteChunkAsync(
        SessionEntry entry, DualDigester digests, UploadSession session, Stream chunk, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var start = session.Offset;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var completed = false;
        try
        {
            await using var data = new FileStream(Path.Combine(DirectoryOf(session.Id), DataFile), FileMode.Open, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
            // Bytes past the durable offset belong to a chunk that was cut off before it was recorded.
            data.SetLength(start);
            data.Position = start;
            var written = start;
            int read;
            while ((read = await chunk.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                if (written + read > session.MaxBytes)
                {
                    data.SetLength(start);
                    data.Flush(flushToDisk: true);
                    WriteState(session);
                    ForgetDigests(entry);
                    completed = true;
                    return new StoreError(ErrorCodes.PayloadTooLarge,
                        $"an upload session holds at most {session.MaxBytes} bytes (Uploads:MaxSessionBytes); the chunk was dropped, the session still holds {start}",
                        new Dictionary<string, object?> { ["offset"] = start });
                }

                await data.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                digests.Append(buffer.AsSpan(0, read));
                written += read;
                if (written - session.Offset >= CheckpointBytes)
                {
                    data.Flush(flushToDisk: true);
                    session = session with { Offset = written, ExpiresAt = expiresAt };
                    WriteState(session);
                }
            }

            data.Flush(flushToDisk: true);
            session = session with { Offset = written, ExpiresAt = expiresAt };
            WriteState(session);
            completed = true;
            return session;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (!completed)
            {
                // The client went away or the disk failed part way: the session keeps its last durable offset
                // (the chunk's start, or its last checkpoint), and the digests are recomputed from that prefix.
                ForgetDigests(entry);
            }
        }
    }

    /// <summary>The running digests of the session's accepted bytes, re-hashing them once if this process has none.</summary>
    private async Task<DualDigester> DigestsOf(SessionEntry entry, UploadSession session, CancellationToken cancellationToken)
    {
        if (entry.Digests is { } digests && entry.DigestedLength == session.Offset)
        {
            return digests;
        }

        ForgetDigests(entry);
        var fresh = new DualDigester();
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            await using var data = new FileStream(Path.Combine(DirectoryOf(session.Id), DataFile), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            var remaining = session.Offset;
            while (remaining > 0)
            {
                var read = await data.ReadAsync(buffer.AsMemory(0, (int)Math.Min(BufferSize, remaining)), cancellationToken);
                if (read == 0)
                {
                    throw new IOException($"upload session {session.Id}: its data file is shorter than its recorded offset {session.Offset}");
                }

                fresh.Append(buffer.AsSpan(0, read));
                remaining -= read;
            }
        }
        catch
        {
            fresh.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        entry.Digests = fresh;
        return fresh;
    }

    private static void ForgetDigests(SessionEntry entry)
    {
        entry.Digests?.Dispose();
        entry.Digests = null;
    }

    private long RemoveUnderLock(Guid id, SessionEntry entry)
    {
        ForgetDigests(entry);
        _entries.TryRemove(KeyValuePair.Create(id, entry));
        var directory = DirectoryOf(id);
        long freed = 0;
        if (Directory.Exists(directory))
        {
            freed = new DirectoryInfo(directory).EnumerateFiles().Sum(f => f.Length);
            Directory.Delete(directory, recursive: true);
            DurableFile.FsyncDirectory(_directory);
        }

        return freed;
    }

    private string DirectoryOf(Guid id) => Path.Combine(_directory, CanonicalId.ToText(id));

    private void WriteState(UploadSession session)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", CanonicalId.ToText(session.Id));
            json.WriteString("owner", session.Owner);
            json.WriteNumber("offset", session.Offset);
            json.WriteNumber("max_bytes", session.MaxBytes);
            json.WriteString("created_at", Rfc3339.ToText(session.CreatedAt));
            json.WriteString("expires_at", Rfc3339.ToText(session.ExpiresAt));
            json.WriteEndObject();
        }

        DurableFile.WriteAtomically(Path.Combine(DirectoryOf(session.Id), StateFile), buffer.ToArray());
    }

    private UploadSession? ReadState(Guid id)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path.Combine(DirectoryOf(id), StateFile));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        return new UploadSession(
            id,
            root.GetProperty("owner").GetString()!,
            root.GetProperty("offset").GetInt64(),
            root.GetProperty("max_bytes").GetInt64(),
            Rfc3339.Parse(root.GetProperty("created_at").GetString()!),
            Rfc3339.Parse(root.GetProperty("expires_at").GetString()!));
    }

    private static StoreError NotFound(Guid id) =>
        new(UploadErrorCodes.UploadNotFound, $"there is no upload session {id}");

    private static StoreError OffsetMismatch(UploadSession session, string message) =>
        new(UploadErrorCodes.OffsetMismatch, message, new Dictionary<string, object?> { ["offset"] = session.Offset });

    /// <summary>What this process keeps for a session: the lock that serializes its calls, and its running digests.</summary>
    private sealed class SessionEntry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public DualDigester? Digests { get; set; }

        public long DigestedLength => Digests?.Length ?? -1;
    }
}
