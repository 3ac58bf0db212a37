using System.Buffers;
using System.Runtime.CompilerServices;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Health;

namespace ArtifactStore.Core.Blobs;

/// <summary>
/// The blob store a backend hands out: its own store for large content (files, S3 objects) and, for content
/// of at most <see cref="MaxInlineBytes"/>, the database itself (docs/upload.md, "Small blobs"). A small
/// package's bytes then ride in the same group-commit transaction as its events, so one database fsync
/// covers them all, and no file or directory entry is made for them.
/// <para>
/// Only uploads of packages stage inline (<see cref="StageForPackageAsync"/>); everything else
/// (<see cref="StageAsync"/>: copy-store, repair, upload sessions) keeps the inner store's meaning, where a
/// put makes the bytes durable at their address. Reads, stats and listings see both placements: the
/// inner store first (large blobs never cost a database query), then the inline table.
/// Inline bytes are written and removed only by units of work (<see cref="BlobPublisher.CheckAllAsync"/>,
/// the collector), so <see cref="DeleteAsync"/> removes only the inner store's copy.
/// </para>
/// <para>
/// With a <paramref name="cache"/> (the server's, <c>Uploads:InlineCacheBytes</c>), whole reads (<see cref="ReadAsync"/>,
/// the downloads' path) of inline blobs are answered from memory once read, and fill it on a miss. Every other read
/// (<see cref="OpenReadAsync"/>: fsck, backup, copy-store, ranges) goes to the database, so fsck always checks the stored
/// bytes, never a copy. The cache is content-addressed and every whole read is verified by <see cref="BlobReader"/>, which
/// drops a copy that fails (<see cref="DropCachedBytes"/>); a deleted blob's copy is dropped here (<see cref="DeleteAsync"/>,
/// called by the collector for every blob it removes).
/// </para>
/// </summary>
public sealed class InlineBlobStore(
    IBlobStore inner,
    IInlineBlobReader inline,
    long maxInlineBytes = InlineBlobStore.DefaultMaxInlineBytes,
    InlineBlobCache? cache = null) : IBlobStore, IDisposable
{
    /// <summary>The largest blob kept inline by default: 64 KiB (docs/upload.md, "Small blobs", how it was chosen).</summary>
    public const long DefaultMaxInlineBytes = 64 * 1024;

    private const int ListPage = 1000;

    // No inline blob is larger than the configuration allows (Uploads:InlineMaxBytes, at most 1 MiB).
    private const long UploadOptionsLimit = 1024 * 1024;

    /// <summary>The store of large blobs (and of every blob written before inline placement existed).</summary>
    public IBlobStore OutsideTheDatabase => inner.OutsideTheDatabase;

    /// <summary>Content of at most this many bytes is kept inline.</summary>
    public long MaxInlineBytes => maxInlineBytes;

    /// <summary>
    /// Stages a file of a package: in memory, digested, when the whole content fits inline (no file, no
    /// fsync: the unit of work that references it writes it), otherwise through the inner store's staging.
    /// </summary>
    public async Task<Result<StagedBlob>> StageForPackageAsync(Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        if (maxInlineBytes <= 0)
        {
            return await inner.StageAsync(content, maxBytes, cancellationToken);
        }

        // Read one byte past the threshold: a content that ends within it is inline. The read buffer is pooled:
        // a new one per file (and per manifest) was 64 KiB allocated and zeroed for a few KiB of content.
        var limit = (int)Math.Clamp(Math.Min(maxInlineBytes, maxBytes), 0, UploadOptionsLimit) + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(limit);
        try
        {
            var filled = 0;
            int read;
            while (filled < limit && (read = await content.ReadAsync(buffer.AsMemory(filled, limit - filled), cancellationToken)) > 0)
            {
                filled += read;
            }

            if (filled < limit)
            {
                var bytes = buffer.AsSpan(0, filled).ToArray();
                using var digester = new DualDigester();
                digester.Append(bytes);
                var (sha256, blake3) = digester.Finish();
                return new StagedBlob(sha256, blake3, bytes.Length, StagingToken: string.Empty) { InlineBytes = bytes };
            }

            // Too large to keep inline (or over the caller's budget, which staging reports): stage what was read
            // and the rest. Staging has read the whole stream when it returns, so the buffer goes back after it.
            return await inner.StageAsync(new PrefixedStream(buffer, filled, content), maxBytes, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public Task<Result<StagedBlob>> StageAsync(Stream content, long maxBytes, CancellationToken cancellationToken) =>
        inner.StageAsync(content, maxBytes, cancellationToken);

    public Task<BlobPutOutcome> PutAsync(StagedBlob staged, CancellationToken cancellationToken) =>
        staged.InlineBytes is null
            ? inner.PutAsync(staged, cancellationToken)
            : throw new InvalidOperationException($"blob {staged.Digest} is staged inline: the unit of work that references it writes it (BlobPublisher.CheckAllAsync)");

    public Task DiscardAsync(StagedBlob staged, CancellationToken cancellationToken) =>
        staged.InlineBytes is null ? inner.DiscardAsync(staged, cancellationToken) : Task.CompletedTask;

    public IAsyncEnumerable<StagingEntry> ListStagingAsync(CancellationToken cancellationToken) => inner.ListStagingAsync(cancellationToken);

    public Task DiscardStagingAsync(StagingEntry entry, CancellationToken cancellationToken) => inner.DiscardStagingAsync(entry, cancellationToken);

    public async Task<BlobContent?> OpenReadAsync(BlobDigest digest, long offset, CancellationToken cancellationToken)
    {
        if (await inner.OpenReadAsync(digest, offset, cancellationToken) is { } content)
        {
            return content;
        }

        if (await inline.GetInlineBlobAsync(digest, cancellationToken) is not { } blob)
        {
            return null;
        }

        var stream = new MemoryStream(blob.Bytes, writable: false) { Position = Math.Min(offset, blob.Bytes.Length) };

        // Inline bytes are never rewritten in place: a version of 0 is enough (and small blobs are verified whole on every read).
        return new BlobContent(stream, blob.Bytes.Length, Version: 0);
    }

    /// <summary>
    /// Reads a whole blob in one go, as downloads do: a read that could be of an inline blob (no larger than the
    /// threshold, plus the one byte a caller adds to prove the length) looks in the database first, since most such
    /// blobs live there; anything larger, or a small blob kept as a file, is the inner store's single read.
    /// </summary>
    public async ValueTask<int> ReadAsync(BlobDigest digest, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var couldBeInline = maxInlineBytes > 0 && destination.Length <= maxInlineBytes + 1;
        if (couldBeInline && await ReadInlineAsync(digest, destination, cancellationToken) is var inlineRead and >= 0)
        {
            return inlineRead;
        }

        var read = await inner.ReadAsync(digest, destination, cancellationToken);
        return read >= 0 || couldBeInline ? read : await ReadInlineAsync(digest, destination, cancellationToken);
    }

    private async ValueTask<int> ReadInlineAsync(BlobDigest digest, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var bytes = cache?.Find(digest);
        if (bytes is null)
        {
            if (await inline.GetInlineBlobAsync(digest, cancellationToken) is not { } blob)
            {
                return -1;
            }

            // The reader's array is this read's own: the cache keeps it (unverified, as every copy; the caller verifies).
            bytes = blob.Bytes;
            cache?.Add(digest, bytes);
        }

        var count = Math.Min(bytes.Length, destination.Length);
        bytes.AsSpan(0, count).CopyTo(destination.Span);
        return count;
    }

    public async Task<BlobStat?> StatAsync(BlobDigest digest, CancellationToken cancellationToken) =>
        await inner.StatAsync(digest, cancellationToken) ??
        (await inline.GetInlineBlobAsync(digest, cancellationToken) is { } blob ? new BlobStat(blob.Bytes.Length, blob.StoredAt) : null);

    /// <summary>
    /// The inner store's copy only: inline bytes are written only by the unit of work that adds their row, so an upload
    /// never finds them as an orphan.
    /// </summary>
    public Task<bool> RefreshAsync(BlobDigest digest, CancellationToken cancellationToken) => inner.RefreshAsync(digest, cancellationToken);

    /// <summary>
    /// Deletes the inner store's copy only; inline bytes go in the collector's units of work (docs/gc.md). A cached copy
    /// is dropped too: the collector calls this for every blob it removes, inline or not.
    /// </summary>
    public Task<long?> DeleteAsync(BlobDigest digest, CancellationToken cancellationToken)
    {
        DropCachedBytes(digest);
        return inner.DeleteAsync(digest, cancellationToken);
    }

    public void DropCachedBytes(BlobDigest digest)
    {
        cache?.Remove(digest);
        inner.DropCachedBytes(digest);
    }

    public async IAsyncEnumerable<BlobDigest> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<BlobDigest>();
        await foreach (var digest in inner.ListAsync(cancellationToken))
        {
            seen.Add(digest);
            yield return digest;
        }

        BlobDigest? after = null;
        while (true)
        {
            var page = await inline.ListInlineBlobsAsync(after, ListPage, cancellationToken);
            foreach (var digest in page.Where(d => !seen.Contains(d)))
            {
                yield return digest;
            }

            if (page.Count < ListPage)
            {
                yield break;
            }

            after = page[^1];
        }
    }

    public Task<int> AbortStaleUploadsAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken) =>
        inner.AbortStaleUploadsAsync(startedBefore, cancellationToken);

    public async Task<Uri?> GetDownloadUrlAsync(BlobDigest digest, TimeSpan validFor, CancellationToken cancellationToken) =>
        // An object store's URL would name an object that an inline blob does not have.
        await inline.GetInlineBlobAsync(digest, cancellationToken) is null ? await inner.GetDownloadUrlAsync(digest, validFor, cancellationToken) : null;

    public Task<HealthCheck> CheckWritableAsync(CancellationToken cancellationToken) => inner.CheckWritableAsync(cancellationToken);

    /// <summary>Disposes the inner store when it holds resources (an object store's client).</summary>
    public void Dispose() => (inner as IDisposable)?.Dispose();
}
