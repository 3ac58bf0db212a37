using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Health;
using ArtifactStore.Core.Platform;

namespace ArtifactStore.FileSystem;

/// <summary>
/// Blobs as files under <c>blobs/sha256/ab/cd/&lt;hex&gt;</c>, staged in <c>tmp/</c>.
/// Every put is staged file → fsync → hard link at the address → directory fsync, so a blob is
/// either whole at its address or absent, whatever moment the process dies. Directory fsyncs of
/// concurrent puts are shared (<see cref="DirectorySync"/>).
/// </summary>
public sealed class FileSystemBlobStore : IBlobStore
{
    private readonly string _blobRoot;
    private readonly string _tempDirectory;
    private readonly StagingDirectory _staging;
    private readonly bool _readOnly;
    private readonly DirectorySync _directorySync = new();

    public FileSystemBlobStore(string blobDirectory, string tempDirectory)
        : this(blobDirectory, tempDirectory, create: true)
    {
    }

    private FileSystemBlobStore(string blobDirectory, string tempDirectory, bool create)
    {
        _blobRoot = Path.Combine(blobDirectory, "sha256");
        _tempDirectory = tempDirectory;
        _staging = new StagingDirectory(tempDirectory);
        _readOnly = !create;
        if (create)
        {
            Directory.CreateDirectory(_blobRoot);
            Directory.CreateDirectory(_tempDirectory);
        }
    }

    /// <summary>
    /// A store for reading, listing and stat only (fsck, backup), which creates nothing on disk: it may
    /// look at a root a server holds, or at a backup. Staging and putting through it are not allowed;
    /// given the root's <paramref name="tempDirectory"/>, it lists what is staged there (fsck).
    /// </summary>
    public static FileSystemBlobStore OpenForReading(string blobDirectory, string? tempDirectory = null) =>
        new(blobDirectory, tempDirectory ?? Path.Combine(blobDirectory, "no-staging-in-a-read-only-store"), create: false);

    /// <summary>Files are outside the database: every blob of this store is.</summary>
    public IBlobStore OutsideTheDatabase => this;

    public string PathOf(BlobDigest digest) =>
        Path.Combine(_blobRoot, digest.Hex[..2], digest.Hex[2..4], digest.Hex);

    public async Task<Result<StagedBlob>> StageAsync(Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var staged = await _staging.StageAsync(content, maxBytes, cancellationToken);
        if (staged.IsSuccess)
        {
            try
            {
                // Creating the address's directory here, while the content is still streaming in for
                // other uploads, keeps its fsyncs off the path of the put.
                EnsureDirectoryOf(PathOf(staged.Value.Digest));
            }
            catch
            {
                StagingDirectory.Discard(staged.Value);
                throw;
            }
        }

        return staged;
    }

    public async Task<BlobPutOutcome> PutAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        var finalPath = PathOf(staged.Digest);
        var directory = EnsureDirectoryOf(finalPath);
        var outcome = BlobPutOutcome.Stored;
        // link(2) is the put-if-absent: it never replaces an existing name, and it copies no bytes. The
        // staged name stays, so the caller can put again if the address is reaped before its commit.
        var errno = Posix.Link(staged.StagingToken, finalPath);
        if (errno == Posix.EExist)
        {
            var existing = new FileInfo(finalPath);
            if (existing.Exists && existing.Length == staged.Size)
            {
                outcome = BlobPutOutcome.AlreadyExists;
            }
            else
            {
                // A file of the wrong length at the address is damaged (or was just deleted): the fresh,
                // verified copy replaces it, through a second name in tmp/ that the rename consumes.
                var replacement = staged.StagingToken + ".put-" + Guid.NewGuid().ToString("N");
                ThrowIfFailed(Posix.Link(staged.StagingToken, replacement), "link", replacement);
                try
                {
                    File.Move(replacement, finalPath, overwrite: true);
                }
                finally
                {
                    // Consumed by the rename when it succeeded; never left in tmp/ when it did not.
                    StagingDirectory.TryDelete(replacement);
                }
            }
        }
        else
        {
            ThrowIfFailed(errno, "link", finalPath);
        }

        // The entry may be a concurrent put's whose directory fsync is still pending: wait for a round
        // of fsyncs that covers it either way. The blob is durable at its address from here on.
        await _directorySync.SyncAsync(directory).WaitAsync(cancellationToken);
        return outcome;
    }

    public Task DiscardAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        StagingDirectory.Discard(staged);
        return Task.CompletedTask;
    }

    public IAsyncEnumerable<StagingEntry> ListStagingAsync(CancellationToken cancellationToken) => _staging.ListAsync(cancellationToken);

    public Task DiscardStagingAsync(StagingEntry entry, CancellationToken cancellationToken)
    {
        if (_readOnly)
        {
            throw new InvalidOperationException("a store opened for reading removes nothing");
        }

        _staging.Discard(entry);
        return Task.CompletedTask;
    }

    public Task<BlobContent?> OpenReadAsync(BlobDigest digest, long offset, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        try
        {
            var stream = new FileStream(PathOf(digest), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
            stream.Position = offset;
            var info = new FileInfo(PathOf(digest));
            return Task.FromResult<BlobContent?>(new BlobContent(stream, stream.Length, info.LastWriteTimeUtc.Ticks));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<BlobContent?>(null);
        }
    }

    /// <summary>One open, pread and close (<see cref="Posix.ReadFile"/>): the whole-blob read of every small download.</summary>
    public ValueTask<int> ReadAsync(BlobDigest digest, Memory<byte> destination, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Posix.ReadFile(PathOf(digest), destination.Span));

    public Task<BlobStat?> StatAsync(BlobDigest digest, CancellationToken cancellationToken)
    {
        var info = new FileInfo(PathOf(digest));
        return Task.FromResult(info.Exists ? new BlobStat(info.Length, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero)) : null);
    }

    /// <summary>The file's modification time is set to now and the file fsynced (the orphan sweep reads that time).</summary>
    public Task<bool> RefreshAsync(BlobDigest digest, CancellationToken cancellationToken)
    {
        if (_readOnly)
        {
            throw new InvalidOperationException("a store opened for reading changes nothing");
        }

        var path = PathOf(digest);
        var errno = Posix.TouchDurably(path);
        if (errno is Posix.ENoEnt or Posix.ENotDir)
        {
            return Task.FromResult(false);
        }

        ThrowIfFailed(errno, "touch", path);
        return Task.FromResult(true);
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
        if (!Directory.Exists(_blobRoot))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(_blobRoot, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (BlobDigest.TryParse(Path.GetFileName(file), out var digest))
            {
                yield return digest.Value;
            }
        }
    }

    /// <summary>Always null: a filesystem has no URL of its own; the server streams the bytes.</summary>
    // A put is a hard link of a durable staged file: nothing of it exists outside tmp/ until it is whole.
    public Task<int> AbortStaleUploadsAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken) => Task.FromResult(0);

    public Task<Uri?> GetDownloadUrlAsync(BlobDigest digest, TimeSpan validFor, CancellationToken cancellationToken) =>
        Task.FromResult<Uri?>(null);

    public Task<HealthCheck> CheckWritableAsync(CancellationToken cancellationToken) => Task.FromResult(CheckWritable());

    private HealthCheck CheckWritable()
    {
        const string remedy = "make tmp/ and blobs/ writable directories for the user the server runs as, on one writable filesystem (see 'artifactstore doctor')";
        var blobs = Posix.Stat(_blobRoot, out var blobErrno);
        var temp = Posix.Stat(_tempDirectory, out var tempErrno);
        if (blobs is null || temp is null)
        {
            return HealthCheck.Failed(HealthCheckNames.BlobStore,
                blobs is null ? $"{_blobRoot} cannot be examined (errno {blobErrno})" : $"{_tempDirectory} cannot be examined (errno {tempErrno})", remedy);
        }

        if (!blobs.IsOnSameDeviceAs(temp))
        {
            // A put links a staged file from tmp/ into blobs/; a link cannot cross filesystems.
            return HealthCheck.Failed(HealthCheckNames.BlobStore,
                $"{_tempDirectory} (device {temp.Device}) and {_blobRoot} (device {blobs.Device}) are on different filesystems, so staged uploads cannot be renamed into place",
                "mount one filesystem for the whole data root, not separate ones for its subdirectories");
        }

        var errno = Posix.Access(_blobRoot, Posix.WOk | Posix.XOk);
        if (errno != 0)
        {
            return HealthCheck.Failed(HealthCheckNames.BlobStore, $"{_blobRoot} is not writable (errno {errno})", remedy);
        }

        // Uploads create files in tmp/ and link them into blobs/sha256/…: both must take new entries.
        foreach (var directory in new[] { _tempDirectory, _blobRoot })
        {
            errno = Posix.ProbeDurableWrite(directory);
            if (errno != 0)
            {
                return HealthCheck.Failed(HealthCheckNames.BlobStore,
                    $"cannot create and write a file in {directory} (errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)})", remedy);
            }
        }

        return HealthCheck.Ok(HealthCheckNames.BlobStore, $"durable writes to {_tempDirectory} and {_blobRoot} succeeded");
    }

    /// <summary>Creates the fan-out directories of a blob address if needed, durably; returns the leaf directory.</summary>
    private static string EnsureDirectoryOf(string finalPath)
    {
        var directory = Path.GetDirectoryName(finalPath)!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory);
            // New fan-out directories must themselves survive a crash.
            Posix.FsyncDirectory(Path.GetDirectoryName(directory)!);
            Posix.FsyncDirectory(Path.GetDirectoryName(Path.GetDirectoryName(directory)!)!);
        }

        return directory;
    }

    private static void ThrowIfFailed(int errno, string call, string path)
    {
        if (errno != 0)
        {
            throw new IOException($"{call} {path} failed (errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)})");
        }
    }
}
