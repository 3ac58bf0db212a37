using System.Text.RegularExpressions;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Storage;
using ArtifactStore.Core.Uploads;

namespace ArtifactStore.Core.Oci;

/// <summary>
/// The OCI distribution model over packages (docs/oci.md). A pushed manifest becomes a package named after
/// the repository, whose files are the manifest and every blob it needs (for an index: its child manifests and
/// their blobs too), so the store's reference counts, retention and GC apply to images unchanged. Tags and
/// digests are labels of those packages; pulling reads them back. Blobs are the store's content-addressed
/// blobs, shared by every repository.
/// </summary>
public sealed partial class OciRegistry(IStoreDatabase database, IBlobStore blobs, BlobReader reader, PackageService packages, StoreOptions options, TimeProvider time)
{
    /// <summary>Label carrying the manifest digest of the package.</summary>
    public const string DigestLabel = "oci.digest";

    /// <summary>Label carrying the tag the manifest was pushed under (absent for a push by digest).</summary>
    public const string TagLabel = "oci.tag";

    /// <summary>Label carrying the manifest's media type.</summary>
    public const string MediaTypeLabel = "oci.media_type";

    private const int PageSize = 1000;

    /// <summary>Null when <paramref name="repository"/> is a repository name of the distribution spec that is also a package name.</summary>
    public static StoreError? CheckRepository(string repository) =>
        RepositoryName().IsMatch(repository) && PackageValidation.CheckName(repository) is null
            ? null
            : new StoreError(OciErrorCodes.NameInvalid, "a repository name is lower-case path components of [a-z0-9] joined by '.', '_', '__' or '-', separated by '/'");

    public static bool IsTag(string reference) => TagName().IsMatch(reference);

    /// <summary>Where a blob's content is stored: its package-file path (the OCI image layout's).</summary>
    public static string PathOf(BlobDigest digest) => $"blobs/sha256/{digest.Hex}";

    /// <summary>
    /// Whether a mount (<c>POST …/blobs/uploads/?mount=</c>) may answer 201 for <paramref name="digest"/>: only when a live
    /// package references it (a <c>live</c> row). Such bytes stay at least until that package is deleted and the grace
    /// period has passed after it, the time a freshly pushed blob gets too. A <c>condemned</c> blob may be reaped at
    /// any moment, a <c>deleting</c> one is going, and bytes without a row are removed as orphans once old enough, so
    /// for those the mount falls back to an upload session (202), as the distribution specification allows
    /// (docs/oci.md, "Mounts and GC").
    /// </summary>
    public async Task<bool> CanMountAsync(BlobDigest digest, CancellationToken cancellationToken) =>
        await database.Views.GetBlobAsync(digest, cancellationToken) is { State: BlobState.Live };

    /// <summary>
    /// The size of a blob the store can serve, or <c>BLOB_UNKNOWN</c>. That is a blob some package references, or
    /// bytes pushed and not yet referenced by a manifest (they are kept for <c>Gc:BlobGracePeriod</c>, docs/oci.md).
    /// </summary>
    public async Task<Result<long>> FindBlobAsync(BlobDigest digest, CancellationToken cancellationToken)
    {
        var found = await FindBlobToReadAsync(digest, cancellationToken);
        return found.IsSuccess ? found.Value.Size : found.Error;
    }

    /// <summary>
    /// <see cref="FindBlobAsync"/> with the BLAKE3 recorded in the blob's row, when it has one, so a pull checks the
    /// cheaper digest as package downloads do (docs/upload.md, "Which digest a read checks"). Bytes pushed and not yet
    /// recorded have no row, and are checked against their SHA-256 address.
    /// </summary>
    public async Task<Result<(long Size, string? Blake3Hex)>> FindBlobToReadAsync(BlobDigest digest, CancellationToken cancellationToken)
    {
        var row = await database.Views.GetBlobAsync(digest, cancellationToken);
        if (row is { State: BlobState.Live or BlobState.Condemned })
        {
            return Result<(long Size, string? Blake3Hex)>.Ok((row.Size, row.Blake3Hex));
        }

        if (row is null && await blobs.StatAsync(digest, cancellationToken) is { } stat)
        {
            return Result<(long Size, string? Blake3Hex)>.Ok((stat.Length, null));
        }

        return new StoreError(OciErrorCodes.BlobUnknown, $"the store holds no blob {digest}",
            new Dictionary<string, object?> { ["digest"] = digest.ToString() });
    }

    /// <summary>
    /// The live package that holds <paramref name="reference"/> (a tag or a digest) of <paramref name="repository"/>.
    /// A tag names its latest push. When that package has expired (deleted by GC, or past its expiry and marked
    /// eligible), the answer is <c>MANIFEST_UNKNOWN</c> saying so and when.
    /// </summary>
    public async Task<Result<OciStoredManifest>> ResolveAsync(string repository, string reference, CancellationToken cancellationToken)
    {
        var byDigest = reference.StartsWith(BlobDigest.Prefix, StringComparison.Ordinal);
        if (byDigest && !BlobDigest.TryParse(reference, out _))
        {
            return new StoreError(OciErrorCodes.DigestInvalid, "a manifest digest is sha256:<64 lowercase hex>");
        }

        if (!byDigest && !IsTag(reference))
        {
            return new StoreError(OciErrorCodes.ManifestUnknown, "a reference is a tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127}) or a sha256 digest");
        }

        if (!byDigest)
        {
            // The tag's newest push, from the tag view: one row, however often the tag was pushed.
            var newest = await database.Views.FindOciTagAsync(repository, reference, cancellationToken) is { } id
                ? await database.Views.GetPackageAsync(id, cancellationToken)
                : null;
            return newest is null ? Unknown(repository, reference)
                : newest.State == PackageState.Deleted || newest.Retention.EligibleForDeletion ? Expired(repository, reference, newest)
                : Stored(repository, reference, newest);
        }

        var label = KeyValuePair.Create(DigestLabel, reference);
        var live = await NewestAsync(repository, label, PackageState.Live, cancellationToken);
        if ((live is null || live.Retention.EligibleForDeletion) && await FindChildAsync(repository, BlobDigest.Parse(reference), cancellationToken) is { } child)
        {
            return child;
        }

        if (live is null)
        {
            return await NewestAsync(repository, label, PackageState.Deleted, cancellationToken) is { } deleted
                ? Expired(repository, reference, deleted)
                : Unknown(repository, reference);
        }

        return live.Retention.EligibleForDeletion ? Expired(repository, reference, live) : Stored(repository, reference, live);
    }

    /// <summary>
    /// The manifest <paramref name="package"/> stores. A package given <c>oci.*</c> labels through <c>/v1</c> may name
    /// no manifest it holds: that is no manifest of the registry, not a failure.
    /// </summary>
    private static Result<OciStoredManifest> Stored(string repository, string reference, PackageView package) =>
        BlobDigest.TryParse(Label(package, DigestLabel), out var digest) && package.FindFile(PathOf(digest.Value)) is { } file
            ? new OciStoredManifest(package, digest.Value, file.MediaType, file.Size)
            : Unknown(repository, reference);

    private static StoreError Unknown(string repository, string reference) =>
        new(OciErrorCodes.ManifestUnknown, $"repository {repository} has no manifest {reference}",
            new Dictionary<string, object?> { ["repository"] = repository, ["reference"] = reference });

    /// <summary>
    /// A child manifest that a live index of the repository holds, although the child's own package is gone: the
    /// index keeps it (and its blobs) as long as the index lives, so clients that pull the index can pull it.
    /// </summary>
    private async Task<OciStoredManifest?> FindChildAsync(string repository, BlobDigest digest, CancellationToken cancellationToken)
    {
        var path = PathOf(digest);
        foreach (var mediaType in new[] { OciMediaTypes.ImageIndex, OciMediaTypes.DockerManifestList })
        {
            Guid? cursor = null;
            do
            {
                var page = await database.Views.ListPackagesAsync(
                    new PackageQuery(repository, [KeyValuePair.Create(MediaTypeLabel, mediaType)], PackageState.Live, cursor, PageSize), cancellationToken);
                foreach (var index in page.Items.Where(p => !p.Retention.EligibleForDeletion))
                {
                    if (index.FindFile(path) is { } file && OciMediaTypes.IsManifest(file.MediaType))
                    {
                        return new OciStoredManifest(index, digest, file.MediaType, file.Size);
                    }
                }

                cursor = page.Next;
            }
            while (cursor is not null);
        }

        return null;
    }

    /// <summary>Reads a stored manifest's bytes, verified.</summary>
    public async Task<Result<byte[]>> ReadAsync(OciStoredManifest manifest, CancellationToken cancellationToken)
    {
        var opened = await reader.OpenAsync(manifest.Digest, manifest.Size, needRandomAccess: false, cancellationToken);
        if (!opened.IsSuccess)
        {
            return opened.Error;
        }

        await using var blob = opened.Value;
        using var copy = new MemoryStream();
        await blob.Stream.CopyToAsync(copy, cancellationToken);
        return copy.ToArray();
    }

    /// <summary>
    /// Stores a pushed manifest as a package (docs/oci.md, "Pushing a manifest"). Every blob it references must be
    /// in the store (<c>MANIFEST_BLOB_UNKNOWN</c> otherwise) and, for an index, every child manifest must be a live
    /// manifest of this repository. Pushing what the reference already names answers the existing package.
    /// </summary>
    public async Task<Result<OciStoredManifest>> PushAsync(string repository, string reference, OciManifest manifest, string actor, CancellationToken cancellationToken)
    {
        var byDigest = reference.StartsWith(BlobDigest.Prefix, StringComparison.Ordinal);
        if (byDigest && reference != manifest.Digest.ToString())
        {
            return new StoreError(OciErrorCodes.DigestInvalid, $"the manifest's digest is {manifest.Digest}, not {reference}");
        }

        if (!byDigest && !IsTag(reference))
        {
            return new StoreError(OciErrorCodes.ManifestInvalid, "a tag is [A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
        }

        var existing = await ResolveAsync(repository, reference, cancellationToken);
        if (existing.IsSuccess && existing.Value.Digest == manifest.Digest)
        {
            return existing.Value;
        }

        await using var upload = packages.BeginUpload();
        var retentionClass = manifest.Annotations.FirstOrDefault(a => a.Key == OciOptions.RetentionClassAnnotation).Value
            ?? options.Oci.ClassFor(repository);
        var fields = new List<(string, string)> { ("name", repository) };
        if (retentionClass is not null)
        {
            fields.Add(("retention_class", retentionClass));
        }

        fields.AddRange(Labels(reference, byDigest, manifest).Select(l => ("label", $"{l.Key}={l.Value}")));
        foreach (var (field, value) in fields)
        {
            if (upload.AddField(field, value) is { } fieldError)
            {
                return new StoreError(OciErrorCodes.ManifestInvalid, fieldError.Message);
            }
        }

        if (await upload.AddFileAsync(PathOf(manifest.Digest), manifest.MediaType, new MemoryStream(manifest.Bytes.ToArray(), writable: false), cancellationToken) is { } manifestError)
        {
            return manifestError;
        }

        var added = new HashSet<BlobDigest> { manifest.Digest };
        foreach (var descriptor in manifest.References)
        {
            var error = manifest.IsIndex
                ? await AddChildAsync(upload, repository, descriptor, added, cancellationToken)
                : await AddBlobAsync(upload, descriptor, added, cancellationToken);
            if (error is not null)
            {
                return error;
            }
        }

        var created = await packages.CreateAsync(upload, actor, claim: null, cancellationToken);
        if (!created.IsSuccess)
        {
            return created.Error.Code switch
            {
                ErrorCodes.RetentionClassUnknown => new StoreError(OciErrorCodes.ManifestInvalid, created.Error.Message, created.Error.Details),
                UploadErrorCodes.BlobUnknown => new StoreError(OciErrorCodes.ManifestBlobUnknown, created.Error.Message, created.Error.Details),
                _ => created.Error,
            };
        }

        return new OciStoredManifest(created.Value.Package, manifest.Digest, manifest.MediaType, manifest.Bytes.Length);
    }

    /// <summary>
    /// The tags of <paramref name="repository"/> whose newest push is live, in byte order, after <paramref name="last"/>,
    /// at most <paramref name="limit"/> (all when null); <c>NAME_UNKNOWN</c> when it has no live manifest at all.
    /// Reads the tag view: the cost follows the tags answered, not the pushes made.
    /// </summary>
    public async Task<Result<OciPage>> TagsAsync(string repository, string? last, int? limit, CancellationToken cancellationToken)
    {
        if (!await database.Views.HasOciManifestsAsync(repository, cancellationToken))
        {
            return new StoreError(OciErrorCodes.NameUnknown, $"repository {repository} holds no manifests",
                new Dictionary<string, object?> { ["repository"] = repository });
        }

        return await PageAsync((after, n) => database.Views.ListOciTagsAsync(repository, after, n, cancellationToken), last, limit);
    }

    /// <summary>The repositories that have a live manifest, in byte order, after <paramref name="last"/>, at most <paramref name="limit"/> (all when null).</summary>
    public Task<OciPage> CatalogAsync(string? last, int? limit, CancellationToken cancellationToken) =>
        PageAsync((after, n) => database.Views.ListOciRepositoriesAsync(after, n, cancellationToken), last, limit);

    /// <summary>Reads a sorted list in pages of at most <see cref="PageSize"/> (and one more, to know whether more follow).</summary>
    private static async Task<OciPage> PageAsync(Func<string, int, Task<IReadOnlyList<string>>> read, string? last, int? limit)
    {
        var items = new List<string>();
        var after = last ?? string.Empty;
        var remaining = limit ?? int.MaxValue;
        while (true)
        {
            var take = Math.Min(remaining, PageSize);
            var page = await read(after, take + 1);
            items.AddRange(page.Take(take));
            remaining -= Math.Min(page.Count, take);
            if (page.Count <= take || remaining == 0)
            {
                return new OciPage(items, More: page.Count > take);
            }

            after = items[^1];
        }
    }

    private async Task<StoreError?> AddBlobAsync(PackageUpload upload, OciDescriptor descriptor, HashSet<BlobDigest> added, CancellationToken cancellationToken)
    {
        if (!added.Add(descriptor.Digest))
        {
            return null;
        }

        var size = await FindBlobAsync(descriptor.Digest, cancellationToken);
        if (!size.IsSuccess)
        {
            return BlobUnknown(descriptor.Digest, "blob");
        }

        if (size.Value != descriptor.Size)
        {
            return new StoreError(OciErrorCodes.SizeInvalid, $"blob {descriptor.Digest} holds {size.Value} bytes; the manifest says {descriptor.Size}");
        }

        // Already at its address: the package names it without staging it again, and its unit of work checks once
        // more that GC has not taken it meanwhile (docs/gc.md, step 3).
        var stored = await packages.FindStoredBlobAsync(descriptor.Digest, cancellationToken);
        if (!stored.IsSuccess)
        {
            return BlobUnknown(descriptor.Digest, "blob");
        }

        return upload.AddStoredFile(PathOf(descriptor.Digest), descriptor.MediaType, stored.Value);
    }

    private async Task<StoreError?> AddChildAsync(PackageUpload upload, string repository, OciDescriptor descriptor, HashSet<BlobDigest> added, CancellationToken cancellationToken)
    {
        var child = await ResolveAsync(repository, descriptor.Digest.ToString(), cancellationToken);
        if (!child.IsSuccess)
        {
            return BlobUnknown(descriptor.Digest, "child manifest");
        }

        // The child's package holds the child manifest and everything it needs: the index holds all of it too, so
        // GC keeps a child's layers as long as the index lives, whatever becomes of the child's own package.
        foreach (var file in child.Value.Package.Files)
        {
            var error = await AddBlobAsync(upload, new OciDescriptor(file.Sha256, file.Size, file.MediaType), added, cancellationToken);
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static StoreError BlobUnknown(BlobDigest digest, string what) =>
        new(OciErrorCodes.ManifestBlobUnknown, $"the manifest references {what} {digest}, which this store does not hold",
            new Dictionary<string, object?> { ["digest"] = digest.ToString() });

    /// <summary>
    /// The package's labels: the store's own (digest, tag, media type), then the manifest's annotations that are
    /// valid labels, up to <c>Limits:MaxLabelsPerPackage</c>. Other annotations stay in the manifest only.
    /// </summary>
    private List<KeyValuePair<string, string>> Labels(string reference, bool byDigest, OciManifest manifest)
    {
        var labels = new List<KeyValuePair<string, string>>
        {
            KeyValuePair.Create(DigestLabel, manifest.Digest.ToString()),
            KeyValuePair.Create(MediaTypeLabel, manifest.MediaType),
        };
        if (!byDigest)
        {
            labels.Add(KeyValuePair.Create(TagLabel, reference));
        }

        foreach (var annotation in manifest.Annotations)
        {
            if (labels.Count >= options.Limits.MaxLabelsPerPackage)
            {
                break;
            }

            if (!labels.Any(l => l.Key == annotation.Key) && PackageValidation.CheckLabel(annotation.Key, annotation.Value) is null)
            {
                labels.Add(annotation);
            }
        }

        return labels;
    }

    private async Task<PackageView?> NewestAsync(string repository, KeyValuePair<string, string> label, PackageState state, CancellationToken cancellationToken)
    {
        var page = await database.Views.ListPackagesAsync(new PackageQuery(repository, [label], state, null, 1), cancellationToken);
        return page.Items.Count > 0 ? page.Items[0] : null;
    }

    private StoreError Expired(string repository, string reference, PackageView package)
    {
        var expiresAt = package.Retention.ExpiresAt is { } e ? Time.Rfc3339.ToText(e) : null;
        var deletedAt = package.Tombstone is { } t ? Time.Rfc3339.ToText(t.DeletedAt) : null;
        var message = deletedAt is not null
            ? $"manifest {reference} of {repository} expired at {expiresAt} and was deleted at {deletedAt}"
            : $"manifest {reference} of {repository} expired at {expiresAt} and is awaiting deletion";
        return new StoreError(OciErrorCodes.ManifestUnknown, message, new Dictionary<string, object?>
        {
            ["repository"] = repository,
            ["reference"] = reference,
            ["expired"] = true,
            ["expires_at"] = expiresAt,
            ["deleted_at"] = deletedAt,
            ["package_id"] = package.Id.ToString(),
            ["checked_at"] = Time.Rfc3339.ToText(time.GetUtcNow()),
        });
    }

    private static string? Label(PackageView package, string key) =>
        package.Labels.FirstOrDefault(l => l.Key == key) is { Key: not null } label ? label.Value : null;

    [GeneratedRegex(@"\A[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryName();

    [GeneratedRegex(@"\A[A-Za-z0-9_][A-Za-z0-9._-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagName();
}

/// <summary>A page of a sorted list (tags, repositories): its items, and whether more follow them.</summary>
public sealed record OciPage(IReadOnlyList<string> Items, bool More);

/// <summary>A manifest the registry holds: the package that stores it, its digest, media type and size.</summary>
public sealed record OciStoredManifest(PackageView Package, BlobDigest Digest, string MediaType, long Size);
