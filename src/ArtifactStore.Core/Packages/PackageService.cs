using System.Security.Cryptography;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Idempotency;
using ArtifactStore.Core.Storage;
using ArtifactStore.Core.Text;

namespace ArtifactStore.Core.Packages;

/// <summary>Creating and reading packages (docs/api.md, "Packages"; docs/retention.md, "Creation").</summary>
public sealed class PackageService(
    IStoreDatabase database, IBlobStore blobs, StoreOptions options, TimeProvider time, ProtocolHooks? hooks = null, PackageFileCache? fileLookups = null)
{
    public const string CreateOperation = "package.create";
    private readonly PackageFileCache _fileLookups = fileLookups ?? PackageFileCache.Off;
    private readonly IdempotencyGate _idempotency = new(database, options.IdempotencyWindow);

    /// <summary>Starts receiving a package. Dispose the upload whatever happens.</summary>
    public PackageUpload BeginUpload() => new(blobs, options);

    /// <summary>
    /// Turns a fully received upload into a package: validates it, stores its manifest, then in one
    /// unit of work publishes the blobs and appends <c>v1.package.created</c> and
    /// <c>v1.retention.default_applied</c>. With a claim that has already completed, answers the
    /// earlier package when the content is the same and <c>idempotency_key_reused</c> otherwise.
    /// </summary>
    public async Task<Result<PackageCreation>> CreateAsync(PackageUpload upload, string actor, IdempotencyClaim? claim, CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(upload, cancellationToken);
        if (!prepared.IsSuccess)
        {
            return prepared.Error;
        }

        var package = prepared.Value;
        if (claim?.Existing is { } existing)
        {
            await DiscardAsync(package, cancellationToken);
            return await ReplayAsync(existing, package.Fingerprint, cancellationToken);
        }

        await ProtocolHooks.ReachAsync(hooks, ProtocolHooks.UploadStaged);
        Result<DateTimeOffset> result;
        try
        {
            result = await WriteWithPackageAsync<DateTimeOffset>(package, async (writer, ct) =>
            {
                if (claim is not null && !await IdempotencyGate.StillOwnsAsync(writer, claim, ct))
                {
                    return new StoreError(ErrorCodes.IdempotencyRequestInProgress, "the Idempotency-Key claim of this request expired before it completed");
                }

                if (await AppendAsync(writer, package, actor, ct) is { } appendError)
                {
                    return appendError;
                }

                if (claim is not null)
                {
                    await writer.PutIdempotencyAsync(_idempotency.Completed(claim, package.Fingerprint, package.Id.ToString(), writer.Now), ct);
                }

                // The answer is built after the commit, off the serialized writer: the unit only says when it ran.
                return writer.Now;
            }, cancellationToken);
        }
        finally
        {
            // Committed, refused or failed (an object store that did not answer), the staged manifest is not
            // needed any more (the upload's files go with the upload).
            await DiscardAsync(package, CancellationToken.None);
        }

        if (!result.IsSuccess)
        {
            return result.Error;
        }

        // The package is durable and visible from here on. The answer is built from what the unit of work wrote, not
        // read back: a read after the commit costs a reader connection and about six queries per package
        // (docs/performance.md, "Server CPU per small write").
        return new PackageCreation(CreatedView(package, actor, result.Value), Replayed: false);
    }

    /// <summary>
    /// The package as the views hold it once <see cref="AppendAsync"/> has committed at <paramref name="now"/>: what the
    /// projectors write from <c>v1.package.created</c> and <c>v1.retention.default_applied</c>, read back the way the
    /// views read it (times to the millisecond, files by path and labels by key in byte order of UTF-8, as SQLite and
    /// PostgreSQL's <c>"C"</c> collation sort), and nothing else yet: no hold, no pin, not eligible, kept by no job.
    /// </summary>
    internal static PackageView CreatedView(PreparedPackage package, string actor, DateTimeOffset now)
    {
        var created = package.Created;
        return new PackageView(
            package.Id,
            created.Name,
            [.. created.Labels.OrderBy(l => l.Key, Utf8Order.Comparer)],
            PackageState.Live,
            Time.Rfc3339.Truncate(now),
            actor,
            package.RetentionClass.Name,
            created.ManifestDigest,
            created.ManifestSize,
            [.. created.Files.OrderBy(f => f.Path, Utf8Order.Comparer)],
            new RetentionView(package.RetentionClass.ExpiryFrom(now) is { } expiry ? Time.Rfc3339.Truncate(expiry) : null,
                Pinned: false, Holds: [], EligibleForDeletion: false));
    }

    /// <summary>
    /// Validates a fully received upload and stages its manifest, so that the package can be created
    /// inside a caller's unit of work with <see cref="AppendAsync"/> (jobs create their input and output
    /// packages in the same unit as the job's event). The staged manifest belongs to the upload from
    /// then on: disposing the upload discards it on every path; <see cref="DiscardAsync"/> drops it sooner.
    /// </summary>
    public async Task<Result<PreparedPackage>> PrepareAsync(PackageUpload upload, CancellationToken cancellationToken)
    {
        var checkedUpload = Check(upload);
        if (!checkedUpload.IsSuccess)
        {
            return checkedUpload.Error;
        }

        var retentionClass = checkedUpload.Value;
        var files = upload.Files.Select(f => f.ToPackageFile()).OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        var manifestBytes = PackageManifest.Encode(PackageManifest.Build(upload.Name!, upload.Labels, files));
        var stagedManifest = await blobs.StageForPackageAsync(new MemoryStream(manifestBytes, writable: false), long.MaxValue, cancellationToken);
        if (!stagedManifest.IsSuccess)
        {
            return stagedManifest.Error;
        }

        var manifest = stagedManifest.Value;
        upload.Own(manifest);
        var id = Guid.CreateVersion7(time.GetUtcNow());
        var created = new PackageCreated(id, upload.Name!, upload.Labels, manifest.Digest, manifest.Size, manifest.Blake3Hex, files);
        return new PreparedPackage(id, created, retentionClass, manifest, upload, Fingerprint(manifest.Digest, retentionClass.Name));
    }

    /// <summary>
    /// Inside a unit of work whose caller put the package's blobs (<see cref="PreparedPackage.Blobs"/>,
    /// <see cref="BlobPublisher.WriteWithRetryAsync"/>): checks them and appends <c>v1.package.created</c>
    /// and <c>v1.retention.default_applied</c>. Null on success.
    /// </summary>
    public async Task<StoreError?> AppendAsync(IStoreWriter writer, PreparedPackage package, string actor, CancellationToken cancellationToken)
    {
        if (await BlobPublisher.CheckAllAsync(writer, blobs, package.Blobs, cancellationToken) is { } publishError)
        {
            return publishError;
        }

        if (await CheckStoredAsync(writer, package.StoredBlobs, cancellationToken) is { } storedError)
        {
            return storedError;
        }

        var stream = EventTypes.PackageStream(package.Id);
        await writer.AppendAsync(new NewEvent(stream, EventTypes.PackageCreated, actor, package.CreatedPayload), cancellationToken);
        var applied = new RetentionDefaultApplied(package.Id, package.RetentionClass.Name, package.RetentionClass.ExpiryFrom(writer.Now));
        await writer.AppendAsync(new NewEvent(stream, EventTypes.RetentionDefaultApplied, actor, applied.ToCbor()), cancellationToken);
        return null;
    }

    /// <summary>
    /// Puts the blobs of <paramref name="package"/> (if any) at their addresses, then runs
    /// <paramref name="work"/>, which appends it with <see cref="AppendAsync"/>, as one unit of work;
    /// both are repeated while the collector is reaping one of the blobs.
    /// </summary>
    public Task<Result<T>> WriteWithPackageAsync<T>(PreparedPackage? package, Func<IStoreWriter, CancellationToken, Task<Result<T>>> work, CancellationToken cancellationToken) =>
        BlobPublisher.WriteWithRetryAsync(database, blobs, package?.Blobs ?? [], work, hooks, cancellationToken);

    /// <summary>
    /// A blob the store holds, for a package that names it by digest: its row when one exists (<c>live</c>, or
    /// <c>condemned</c>, which the package's reference resurrects), else the bytes at its address (a finished
    /// upload session, not referenced yet), read once for their BLAKE3 and to prove their SHA-256. Anything else,
    /// a blob being reaped included, is <c>blob_unknown</c>. The unit of work checks again (docs/gc.md, step 3).
    /// </summary>
    public async Task<Result<StagedBlob>> FindStoredBlobAsync(BlobDigest digest, CancellationToken cancellationToken)
    {
        var row = await database.Views.GetBlobAsync(digest, cancellationToken);
        if (row is { State: BlobState.Live or BlobState.Condemned })
        {
            return new StagedBlob(digest, row.Blake3Hex, row.Size, StagingToken: string.Empty);
        }

        if (row is null && await blobs.OpenReadAsync(digest, 0, cancellationToken) is { } content)
        {
            await using var stream = content.Stream;
            using var digester = new DualDigester();
            await digester.AppendAllAsync(stream, cancellationToken);
            var (sha256, blake3) = digester.Finish();
            if (sha256 == digest)
            {
                return new StagedBlob(digest, blake3, digester.Length, StagingToken: string.Empty);
            }
        }

        return BlobUnknown(digest);
    }

    /// <summary>
    /// Inside the unit of work: each blob named by digest must still be there. A <c>condemned</c> row is fine (the
    /// reference resurrects it); bytes without a row cannot be removed as an orphan while this unit holds the writer,
    /// because the collector removes orphans in units of its own; a <c>deleting</c> row is on its way out.
    /// </summary>
    private async Task<StoreError?> CheckStoredAsync(IStoreWriter writer, IEnumerable<StagedBlob> stored, CancellationToken cancellationToken)
    {
        foreach (var blob in stored.DistinctBy(s => s.Digest))
        {
            var row = await writer.GetBlobAsync(blob.Digest, cancellationToken);
            // Without a row only a file or object can hold the bytes: inline bytes always have a row, and a read of
            // them here, outside this unit's transaction, could still see bytes a unit of the same group commit removed.
            if (row is { State: BlobState.Deleting } || (row is null && await blobs.OutsideTheDatabase.StatAsync(blob.Digest, cancellationToken) is null))
            {
                return BlobUnknown(blob.Digest);
            }
        }

        return null;
    }

    private static StoreError BlobUnknown(BlobDigest digest) =>
        new(Uploads.UploadErrorCodes.BlobUnknown, $"the store holds no blob {digest} (upload it first, e.g. with an upload session)",
            new Dictionary<string, object?> { ["digest"] = digest.ToString() });

    /// <summary>Drops the staged manifest of a package once its unit of work has ended, committed or not (the upload's files go with the upload).</summary>
    public Task DiscardAsync(PreparedPackage package, CancellationToken cancellationToken) =>
        blobs.DiscardAsync(package.Manifest, cancellationToken);

    /// <summary>The package, or <c>package_not_found</c> / <c>package_expired</c>.</summary>
    public async Task<Result<PackageView>> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var view = await database.Views.GetPackageAsync(id, cancellationToken);
        if (view is null)
        {
            return new StoreError(ErrorCodes.PackageNotFound, $"there is no package {id}");
        }

        if (view.State == PackageState.Deleted)
        {
            return Expired(view);
        }

        return view;
    }

    /// <summary>
    /// The file at <paramref name="path"/> of a live package, for a download: answered from the file-lookup cache
    /// when it holds the package, else read as <see cref="GetAsync"/> does (so an expired package answers
    /// <c>package_expired</c> and an unknown one <c>package_not_found</c>), and a live one is then cached.
    /// </summary>
    public async Task<Result<PackageFile>> FindFileAsync(Guid id, string path, CancellationToken cancellationToken)
    {
        var files = _fileLookups.Find(id);
        if (files is null)
        {
            var generation = _fileLookups.Generation;
            var package = await GetAsync(id, cancellationToken);
            if (!package.IsSuccess)
            {
                return package.Error;
            }

            if (!_fileLookups.Enabled)
            {
                return package.Value.FindFile(path) is { } found ? found : FileNotFound(id, path);
            }

            files = new PackageFiles(package.Value.Id, package.Value.Files);
            _fileLookups.Add(files, generation);
        }

        return files.Find(path) is { } file ? file : FileNotFound(id, path);
    }

    /// <summary>The <c>package_expired</c> answer: when and why the package was deleted, and its digests.</summary>
    public static StoreError Expired(PackageView view) =>
        new(ErrorCodes.PackageExpired,
            $"package {view.Id} ({view.Name}) expired and was deleted at {Time.Rfc3339.ToText(view.Tombstone!.DeletedAt)}: {view.Tombstone.Reason}",
            new Dictionary<string, object?> { ["tombstone"] = TombstoneDocument(view) });

    private static StoreError FileNotFound(Guid id, string path) => new(ErrorCodes.FileNotFound, $"package {id} has no file '{path}'");

    /// <summary>The tombstone as a plain document (snake_case keys) for problem details and listings.</summary>
    public static Dictionary<string, object?> TombstoneDocument(PackageView view) => new()
    {
        ["id"] = view.Id.ToString(),
        ["name"] = view.Name,
        ["deleted_at"] = view.Tombstone is { } t ? Time.Rfc3339.ToText(t.DeletedAt) : null,
        ["reason"] = view.Tombstone?.Reason,
        ["expires_at"] = view.Retention.ExpiresAt is { } e ? Time.Rfc3339.ToText(e) : null,
        ["retention_class"] = view.RetentionClass,
        ["bytes_released"] = view.Tombstone?.BytesReleased,
        ["manifest_digest"] = view.ManifestDigest.ToString(),
        ["files"] = view.Files.Select(f => new Dictionary<string, object?>
        {
            ["path"] = f.Path,
            ["size"] = f.Size,
            ["sha256"] = f.Sha256.ToString(),
            ["blake3"] = "blake3:" + f.Blake3Hex,
        }).ToList(),
    };

    public Task<PackagePage> ListAsync(PackageQuery query, CancellationToken cancellationToken) =>
        database.Views.ListPackagesAsync(query, cancellationToken);

    private Result<Retention.RetentionClass> Check(PackageUpload upload)
    {
        if (PackageValidation.CheckName(upload.Name) is { } nameProblem)
        {
            return StoreError.Validation(nameProblem, "name");
        }

        if (upload.Files.Count == 0)
        {
            return StoreError.Validation("a package needs at least one file part", "file");
        }

        var className = upload.RetentionClass ?? options.Retention.DefaultClass;
        var retentionClass = options.Retention.Find(className);
        if (retentionClass is null)
        {
            return new StoreError(ErrorCodes.RetentionClassUnknown,
                $"retention class '{className}' is not configured (known: {string.Join(", ", options.Retention.Classes.Keys.Order(StringComparer.Ordinal))})",
                new Dictionary<string, object?> { ["field"] = "retention_class" });
        }

        return retentionClass;
    }

    private async Task<Result<PackageCreation>> ReplayAsync(IdempotencyRecord existing, string fingerprint, CancellationToken cancellationToken)
    {
        if (existing.Fingerprint != fingerprint)
        {
            return new StoreError(ErrorCodes.IdempotencyKeyReused,
                "this Idempotency-Key was already used for a request with different content");
        }

        var earlier = await GetAsync(Guid.Parse(existing.ResourceId!), cancellationToken);
        return earlier.IsSuccess ? new PackageCreation(earlier.Value, Replayed: true) : earlier.Error;
    }

    /// <summary>What makes two create requests "the same": the manifest (content identity) and the class.</summary>
    private static string Fingerprint(BlobDigest manifest, string retentionClass) =>
        Convert.ToHexStringLower(SHA256.HashData(Cbor.Encode(new CborArray([manifest.ToString(), retentionClass]))));
}
