using System.Text.Json;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Packages;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ArtifactStore.Server.Http;

/// <summary>
/// The JSON form of <c>POST /v1/packages</c>: <c>{"name", "labels": {key: value}, "class", "files": [{"path",
/// "digest", "media_type"?}]}</c>, whose files are blobs the store already holds (docs/api.md). Reads the
/// document into a <see cref="PackageUpload"/>, so the checks are those of a multipart upload.
/// </summary>
public static class PackageFromBlobs
{
    /// <summary>A file list of the largest allowed package fits comfortably.</summary>
    public const int MaxBodyBytes = 8 * 1024 * 1024;

    public static bool IsJson(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type) &&
        type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Fills <paramref name="upload"/> from the document; the first problem found, or null.</summary>
    public static async Task<StoreError?> ReadAsync(JsonElement body, PackageUpload upload, PackageService packages, CancellationToken cancellationToken)
    {
        foreach (var property in body.EnumerateObject())
        {
            if (property.Name is not ("name" or "labels" or "class" or "retention_class" or "files"))
            {
                return StoreError.Validation($"unknown field '{property.Name}' (expected name, labels, class, files)", property.Name);
            }
        }

        if (Text(body, "name") is { } nameProblem)
        {
            return nameProblem;
        }

        foreach (var field in new[] { "class", "retention_class" })
        {
            if (body.TryGetProperty(field, out var value))
            {
                if (value.ValueKind != JsonValueKind.String)
                {
                    return StoreError.Validation($"{field} must be a string (a retention class)", field);
                }

                if (upload.AddField("retention_class", value.GetString()!) is { } problem)
                {
                    return problem;
                }
            }
        }

        if (body.TryGetProperty("labels", out var labels))
        {
            if (labels.ValueKind != JsonValueKind.Object)
            {
                return StoreError.Validation("labels must be an object of string values", "labels");
            }

            foreach (var label in labels.EnumerateObject())
            {
                if (label.Value.ValueKind != JsonValueKind.String)
                {
                    return StoreError.Validation($"label '{label.Name}' must have a string value", "labels");
                }

                if (upload.AddField("label", $"{label.Name}={label.Value.GetString()}") is { } problem)
                {
                    return problem;
                }
            }
        }

        if (!body.TryGetProperty("files", out var files) || files.ValueKind != JsonValueKind.Array)
        {
            return StoreError.Validation("files must be an array of {path, digest}", "files");
        }

        foreach (var file in files.EnumerateArray())
        {
            if (await ReadFileAsync(file, upload, packages, cancellationToken) is { } problem)
            {
                return problem;
            }
        }

        return null;

        StoreError? Text(JsonElement element, string field)
        {
            if (!element.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.String)
            {
                return StoreError.Validation($"{field} must be a string", field);
            }

            return upload.AddField(field, value.GetString()!);
        }
    }

    private static async Task<StoreError?> ReadFileAsync(JsonElement file, PackageUpload upload, PackageService packages, CancellationToken cancellationToken)
    {
        if (file.ValueKind != JsonValueKind.Object ||
            !file.TryGetProperty("path", out var path) || path.ValueKind != JsonValueKind.String ||
            !file.TryGetProperty("digest", out var digest) || digest.ValueKind != JsonValueKind.String)
        {
            return StoreError.Validation("each file must be an object with string fields path and digest", "files");
        }

        foreach (var property in file.EnumerateObject())
        {
            if (property.Name is not ("path" or "digest" or "media_type"))
            {
                return StoreError.Validation($"unknown file field '{property.Name}' (expected path, digest, media_type)", "files");
            }
        }

        string? declared = null;
        if (file.TryGetProperty("media_type", out var mediaType))
        {
            if (mediaType.ValueKind != JsonValueKind.String)
            {
                return StoreError.Validation("media_type must be a string", "files");
            }

            declared = mediaType.GetString();
        }

        var digestText = digest.GetString()!;
        if (!digestText.StartsWith(BlobDigest.Prefix, StringComparison.Ordinal) || !BlobDigest.TryParse(digestText, out var parsed))
        {
            return StoreError.Validation($"file '{path.GetString()}': digest must be sha256:<64 lowercase hex>", "files");
        }

        var stored = await packages.FindStoredBlobAsync(parsed.Value, cancellationToken);
        if (!stored.IsSuccess)
        {
            return stored.Error;
        }

        return upload.AddStoredFile(path.GetString()!, MultipartForm.MediaTypeOf(declared, path.GetString()!), stored.Value);
    }
}
