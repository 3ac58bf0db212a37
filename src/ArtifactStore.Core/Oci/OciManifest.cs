using System.Text.Json;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Errors;

namespace ArtifactStore.Core.Oci;

/// <summary>
/// A manifest as pushed: its exact bytes (stored and served unchanged, so its digest never changes), its media
/// type, what it references, and its annotations. An image manifest references its config and layers; an index
/// (or Docker manifest list) references other manifests (docs/oci.md, "Manifests").
/// </summary>
public sealed record OciManifest(
    ReadOnlyMemory<byte> Bytes,
    BlobDigest Digest,
    string MediaType,
    IReadOnlyList<OciDescriptor> References,
    IReadOnlyList<KeyValuePair<string, string>> Annotations)
{
    public bool IsIndex => OciMediaTypes.IsIndex(MediaType);

    /// <summary>
    /// Reads a pushed manifest. The media type is the document's <c>mediaType</c>, else the request's
    /// <c>Content-Type</c>; they must agree when both are given. Anything else is <c>MANIFEST_INVALID</c>.
    /// </summary>
    public static Result<OciManifest> Parse(ReadOnlyMemory<byte> bytes, string? contentType)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(bytes);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return Invalid($"the manifest is not valid JSON: {e.Message}");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return Invalid("the manifest must be a JSON object");
        }

        if (StrictJson.Check(root, string.Empty) is { } strict)
        {
            return Invalid($"the manifest is not acceptable JSON: {strict.Message}");
        }

        var declared = root.TryGetProperty("mediaType", out var mt) && mt.ValueKind == JsonValueKind.String ? mt.GetString() : null;
        var header = contentType?.Split(';')[0].Trim();
        var mediaType = declared ?? header;
        if (mediaType is null || !OciMediaTypes.IsManifest(mediaType))
        {
            return Invalid($"manifest media type '{mediaType ?? "(none)"}' is not supported (supported: {OciMediaTypes.ImageManifest}, {OciMediaTypes.ImageIndex}, {OciMediaTypes.DockerManifest}, {OciMediaTypes.DockerManifestList})");
        }

        if (declared is not null && !string.IsNullOrEmpty(header) && header != declared && OciMediaTypes.IsManifest(header))
        {
            return Invalid($"the manifest says its media type is '{declared}' but it was sent as '{header}'");
        }

        var references = new List<OciDescriptor>();
        if (OciMediaTypes.IsIndex(mediaType))
        {
            if (!root.TryGetProperty("manifests", out var manifests) || manifests.ValueKind != JsonValueKind.Array)
            {
                return Invalid("an index needs a 'manifests' array");
            }

            foreach (var item in manifests.EnumerateArray())
            {
                var descriptor = Descriptor(item, "manifests[]");
                if (!descriptor.IsSuccess)
                {
                    return descriptor.Error;
                }

                references.Add(descriptor.Value);
            }
        }
        else
        {
            if (!root.TryGetProperty("config", out var config))
            {
                return Invalid("an image manifest needs a 'config' descriptor");
            }

            var configDescriptor = Descriptor(config, "config");
            if (!configDescriptor.IsSuccess)
            {
                return configDescriptor.Error;
            }

            references.Add(configDescriptor.Value);
            if (!root.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array)
            {
                return Invalid("an image manifest needs a 'layers' array");
            }

            foreach (var item in layers.EnumerateArray())
            {
                var descriptor = Descriptor(item, "layers[]");
                if (!descriptor.IsSuccess)
                {
                    return descriptor.Error;
                }

                references.Add(descriptor.Value);
            }
        }

        var annotations = new List<KeyValuePair<string, string>>();
        if (root.TryGetProperty("annotations", out var annotationObject))
        {
            if (annotationObject.ValueKind != JsonValueKind.Object)
            {
                return Invalid("'annotations' must be an object of strings");
            }

            foreach (var annotation in annotationObject.EnumerateObject())
            {
                if (annotation.Value.ValueKind != JsonValueKind.String)
                {
                    return Invalid($"annotation '{annotation.Name}' must be a string");
                }

                annotations.Add(KeyValuePair.Create(annotation.Name, annotation.Value.GetString()!));
            }
        }

        var digest = BlobDigest.FromBytes(System.Security.Cryptography.SHA256.HashData(bytes.Span));
        return new OciManifest(bytes, digest, mediaType, references, annotations);
    }

    private static Result<OciDescriptor> Descriptor(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return Invalid($"{where} must be a descriptor object");
        }

        var digestText = element.TryGetProperty("digest", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        if (digestText is null || !digestText.StartsWith(BlobDigest.Prefix, StringComparison.Ordinal) || !BlobDigest.TryParse(digestText, out var digest))
        {
            return new StoreError(OciErrorCodes.DigestInvalid, $"{where}: the store holds sha256 content only; 'digest' must be sha256:<64 lowercase hex>");
        }

        if (!element.TryGetProperty("size", out var s) || s.ValueKind != JsonValueKind.Number || !s.TryGetInt64(out var size) || size < 0)
        {
            return Invalid($"{where} ({digest}): 'size' must be a non-negative integer");
        }

        var mediaType = element.TryGetProperty("mediaType", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "application/octet-stream";
        return new OciDescriptor(digest.Value, size, mediaType);
    }

    private static StoreError Invalid(string message) => new(OciErrorCodes.ManifestInvalid, message);
}
