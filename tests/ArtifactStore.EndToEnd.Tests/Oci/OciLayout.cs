using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ArtifactStore.EndToEnd.Tests.Oci;

/// <summary>
/// Writes OCI image layouts (the <c>oci:</c> transport of skopeo) from layers the test makes, so that no registry is
/// needed: gzipped tar layers, a config whose <c>diff_ids</c> are the layers' uncompressed digests, an image manifest
/// with optional annotations, and <c>index.json</c> naming it by tag. A layer can be reused by several images.
/// </summary>
internal static class OciLayout
{
    public const string ManifestType = "application/vnd.oci.image.manifest.v1+json";
    public const string LayerType = "application/vnd.oci.image.layer.v1.tar+gzip";

    /// <summary>A layer holding one file: its gzipped tar and the digest of the uncompressed tar.</summary>
    public sealed record Layer(byte[] Gzip, string DiffId)
    {
        public string Digest => Sha256(Gzip);
    }

    /// <summary>An image written to a layout: the manifest's bytes and digest, and the layer digests in order.</summary>
    public sealed record Image(string Directory, string Tag, byte[] Manifest, string ManifestDigest, IReadOnlyList<string> LayerDigests);

    public static Layer MakeLayer(string fileName, string content)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, fileName)
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                ModificationTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            };
            writer.WriteEntry(entry);
        }

        var raw = tar.ToArray();
        using var gz = new MemoryStream();
        using (var gzip = new GZipStream(gz, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(raw);
        }

        return new Layer(gz.ToArray(), Sha256(raw));
    }

    public static Image Write(string directory, string tag, IReadOnlyList<Layer> layers, IReadOnlyDictionary<string, string>? annotations = null)
    {
        Directory.CreateDirectory(Path.Combine(directory, "blobs", "sha256"));
        File.WriteAllText(Path.Combine(directory, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        var config = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = new Dictionary<string, object> { ["Cmd"] = new[] { "/bin/true" } },
            ["rootfs"] = new Dictionary<string, object> { ["type"] = "layers", ["diff_ids"] = layers.Select(l => l.DiffId).ToArray() },
        });
        WriteBlob(directory, config);
        foreach (var layer in layers)
        {
            WriteBlob(directory, layer.Gzip);
        }

        var manifest = new Dictionary<string, object>
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ManifestType,
            ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", config),
            ["layers"] = layers.Select(l => Descriptor(LayerType, l.Gzip)).ToArray(),
        };
        if (annotations is not null)
        {
            manifest["annotations"] = annotations;
        }

        var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest);
        WriteBlob(directory, manifestBytes);
        var index = new Dictionary<string, object>
        {
            ["schemaVersion"] = 2,
            ["manifests"] = new[]
            {
                new Dictionary<string, object>
                {
                    ["mediaType"] = ManifestType,
                    ["digest"] = Sha256(manifestBytes),
                    ["size"] = manifestBytes.Length,
                    ["annotations"] = new Dictionary<string, string> { ["org.opencontainers.image.ref.name"] = tag },
                },
            },
        };
        File.WriteAllBytes(Path.Combine(directory, "index.json"), JsonSerializer.SerializeToUtf8Bytes(index));
        return new Image(directory, tag, manifestBytes, Sha256(manifestBytes), layers.Select(l => l.Digest).ToList());
    }

    /// <summary>The manifest digest that a layout's <c>index.json</c> names (what skopeo wrote when it copied an image in).</summary>
    public static string IndexedManifestDigest(string directory)
    {
        using var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "index.json")));
        return index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString()!;
    }

    public static byte[] ReadBlob(string directory, string digest) =>
        File.ReadAllBytes(Path.Combine(directory, "blobs", "sha256", digest["sha256:".Length..]));

    public static Dictionary<string, object> Descriptor(string mediaType, byte[] content) => new()
    {
        ["mediaType"] = mediaType,
        ["digest"] = Sha256(content),
        ["size"] = content.Length,
    };

    public static string Sha256(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static void WriteBlob(string directory, byte[] content) =>
        File.WriteAllBytes(Path.Combine(directory, "blobs", "sha256", Sha256(content)["sha256:".Length..]), content);
}
