using System.Security.Cryptography;
using ArtifactStore.Core.Oci;

namespace ArtifactStore.Core.Tests.Oci;

public sealed class OciManifestTests
{
    private const string Config = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string Layer = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    private static readonly string Image = $$$"""
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
         "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{{Config}}}","size":7},
         "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{{{Layer}}}","size":42}],
         "annotations":{"org.artifactstore.retention.class":"short","team":"eval"}}
        """;

    [Fact]
    public void an_image_manifest_references_its_config_and_layers_and_keeps_its_bytes_and_digest()
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(Image);
        var manifest = OciManifest.Parse(bytes, contentType: null).Value;
        Assert.Equal(OciMediaTypes.ImageManifest, manifest.MediaType);
        Assert.False(manifest.IsIndex);
        Assert.Equal([Config, Layer], manifest.References.Select(r => r.Digest.ToString()).ToList());
        Assert.Equal([7L, 42L], manifest.References.Select(r => r.Size).ToList());
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)), manifest.Digest.ToString());
        Assert.Equal(bytes, manifest.Bytes.ToArray());
        Assert.Contains(KeyValuePair.Create("team", "eval"), manifest.Annotations);
    }

    [Fact]
    public void an_index_references_its_children_and_takes_its_type_from_the_content_type_when_the_document_has_none()
    {
        var index = $$"""{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{Layer}}","size":9}]}""";
        var manifest = OciManifest.Parse(System.Text.Encoding.UTF8.GetBytes(index), "application/vnd.oci.image.index.v1+json; charset=utf-8").Value;
        Assert.True(manifest.IsIndex);
        Assert.Equal(Layer, manifest.References.Single().Digest.ToString());
    }

    [Theory]
    [InlineData("not json", null, OciErrorCodes.ManifestInvalid)]
    [InlineData("[]", null, OciErrorCodes.ManifestInvalid)]
    [InlineData("""{"schemaVersion":2,"config":{},"layers":[]}""", null, OciErrorCodes.ManifestInvalid)]
    [InlineData("""{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v1+json"}""", null, OciErrorCodes.ManifestInvalid)]
    [InlineData("""{"mediaType":"application/vnd.oci.image.manifest.v1+json","mediaType":"x","config":{},"layers":[]}""", null, OciErrorCodes.ManifestInvalid)]
    [InlineData("""{"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"md5:00","size":1},"layers":[]}""", null, OciErrorCodes.DigestInvalid)]
    [InlineData("""{"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":-1},"layers":[]}""", null, OciErrorCodes.ManifestInvalid)]
    [InlineData("""{"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}""", "application/vnd.oci.image.index.v1+json", OciErrorCodes.ManifestInvalid)]
    public void a_manifest_that_cannot_be_read_is_refused_with_its_oci_code(string body, string? contentType, string code) =>
        Assert.Equal(code, OciManifest.Parse(System.Text.Encoding.UTF8.GetBytes(body), contentType).Error!.Code);
}
