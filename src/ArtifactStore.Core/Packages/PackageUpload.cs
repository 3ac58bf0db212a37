using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Errors;

namespace ArtifactStore.Core.Packages;

/// <summary>
/// A package being received: fields and files arrive in any order, files are streamed straight into
/// blob staging. The upload owns every staged copy made for it (its files, however many share one
/// content, and the manifest <see cref="PackageService.PrepareAsync"/> stages), and disposing it
/// discards them all: a committed package's blobs are at their addresses by then, and a refused or
/// broken upload, whatever path it failed on, leaves nothing behind in staging.
/// </summary>
public sealed class PackageUpload(IBlobStore blobs, StoreOptions options) : IAsyncDisposable
{
    private readonly List<KeyValuePair<string, string>> _labels = [];
    private readonly List<StagedFile> _files = [];
    private readonly List<StagedBlob> _staged = [];
    // Path key (PackageValidation.PathKey) → the path as first given.
    private readonly Dictionary<string, string> _paths = new(StringComparer.Ordinal);
    private long _bytes;

    public string? Name { get; private set; }

    public string? RetentionClass { get; private set; }

    public IReadOnlyList<KeyValuePair<string, string>> Labels => _labels;

    public IReadOnlyList<StagedFile> Files => _files;

    /// <summary>Accepts one form field: <c>name</c>, <c>retention_class</c> or <c>label</c> (<c>key=value</c>).</summary>
    public StoreError? AddField(string field, string value)
    {
        switch (field)
        {
            case "name":
                if (Name is not null)
                {
                    return StoreError.Validation("field 'name' is given more than once", "name");
                }

                Name = value;
                return null;
            case "retention_class":
                if (RetentionClass is not null)
                {
                    return StoreError.Validation("field 'retention_class' is given more than once", "retention_class");
                }

                RetentionClass = value;
                return null;
            case "label":
                return AddLabel(value);
            default:
                return StoreError.Validation($"unknown form field '{field}' (expected name, retention_class, label or file parts)", field);
        }
    }

    /// <summary>Validates the path and streams the content into staging, within the upload's byte budget.</summary>
    public async Task<StoreError?> AddFileAsync(string path, string mediaType, Stream content, CancellationToken cancellationToken)
    {
        if (CheckNewPath(path) is { } pathProblem)
        {
            return pathProblem;
        }

        var staged = await blobs.StageForPackageAsync(content, options.Limits.MaxUploadBytes - _bytes, cancellationToken);
        if (!staged.IsSuccess)
        {
            return staged.Error.Code == ErrorCodes.PayloadTooLarge ? StoreErrorsFor.TooLarge(options.Limits.MaxUploadBytes) : staged.Error;
        }

        _staged.Add(staged.Value);
        _bytes += staged.Value.Size;
        _files.Add(new StagedFile(path, mediaType, staged.Value));
        return null;
    }

    /// <summary>
    /// Adds a file whose content the store already holds (a JSON <c>POST /v1/packages</c> naming blobs by digest,
    /// found by <see cref="PackageService.FindStoredBlobAsync"/>): nothing is staged; the unit of work checks
    /// that the blob is still there. Such content is not counted against the upload's byte budget.
    /// </summary>
    public StoreError? AddStoredFile(string path, string mediaType, StagedBlob stored)
    {
        if (CheckNewPath(path) is { } pathProblem)
        {
            return pathProblem;
        }

        _files.Add(new StagedFile(path, mediaType, stored, AlreadyStored: true));
        return null;
    }

    private StoreError? CheckNewPath(string path)
    {
        if (PackageValidation.CheckPath(path) is { } problem)
        {
            return StoreError.Validation(problem, "file");
        }

        if (!_paths.TryAdd(PackageValidation.PathKey(path), path))
        {
            var earlier = _paths[PackageValidation.PathKey(path)];
            return StoreError.Validation(earlier == path
                ? $"path '{path}' appears more than once"
                : $"path '{path}' is the same path as '{earlier}' in another Unicode form (they are equal after Unicode NFC normalisation)", "file");
        }

        if (_files.Count >= options.Limits.MaxFilesPerPackage)
        {
            return new StoreError(ErrorCodes.PayloadTooLarge,
                $"a package may hold at most {options.Limits.MaxFilesPerPackage} files",
                new Dictionary<string, object?> { ["limit_files"] = options.Limits.MaxFilesPerPackage });
        }

        return null;
    }

    /// <summary>Makes the upload own one more staged copy (its manifest), so that disposing it discards that too.</summary>
    internal void Own(StagedBlob staged) => _staged.Add(staged);

    /// <summary>Drops every staged copy: a committed package's blobs are at their addresses by then.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var staged in _staged)
        {
            await blobs.DiscardAsync(staged, CancellationToken.None);
        }

        _staged.Clear();
    }

    private StoreError? AddLabel(string value)
    {
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            return StoreError.Validation($"label '{value}' must have the form key=value", "label");
        }

        var key = value[..equals];
        var labelValue = value[(equals + 1)..];
        if (PackageValidation.CheckLabel(key, labelValue) is { } problem)
        {
            return StoreError.Validation(problem, "label");
        }

        if (_labels.Any(l => l.Key == key))
        {
            return StoreError.Validation($"label '{key}' is given more than once", "label");
        }

        if (_labels.Count >= options.Limits.MaxLabelsPerPackage)
        {
            return StoreError.Validation($"a package may carry at most {options.Limits.MaxLabelsPerPackage} labels", "label");
        }

        _labels.Add(KeyValuePair.Create(key, labelValue));
        return null;
    }
}
