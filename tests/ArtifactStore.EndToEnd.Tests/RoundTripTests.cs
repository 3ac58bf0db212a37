using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ArtifactStore.Core.Hashing;

namespace ArtifactStore.EndToEnd.Tests;

public sealed class RoundTripTests
{
    [Fact]
    public async Task nested_files_and_a_50_MiB_file_read_back_byte_identical_with_matching_digests()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var big = new byte[50 * 1024 * 1024];
        new Random(50).NextBytes(big);
        var files = new (string Path, byte[] Bytes)[]
        {
            ("readme.md", "# hello\n"u8.ToArray()),
            ("a/b/c/deep.json", "{\"deep\":true}"u8.ToArray()),
            ("a/sibling.txt", "sibling"u8.ToArray()),
            ("data/big.bin", big),
        };

        var (status, body) = await Api.PostPackageAsync(server.Http, Api.Form("round/trip", Api.Files(files), "label", "kind=test"));
        Assert.Equal(HttpStatusCode.Created, status);
        var id = body.GetProperty("id").GetString()!;
        var listed = body.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("path").GetString()!);
        Assert.Equal(files.Select(f => f.Path).Order(StringComparer.Ordinal), listed.Keys.Order(StringComparer.Ordinal));

        foreach (var (path, bytes) in files)
        {
            var read = await Api.DownloadAsync(server.Http, id, path);
            Assert.True(bytes.AsSpan().SequenceEqual(read), $"{path} differs");
            Assert.Equal(Api.Sha256(bytes), listed[path].GetProperty("sha256").GetString());
            Assert.Equal("blake3:" + Convert.ToHexStringLower(Blake3Hasher.Hash(bytes)), listed[path].GetProperty("blake3").GetString());
            Assert.Equal(bytes.Length, listed[path].GetProperty("size").GetInt64());
        }

        // The same bytes again, in another package: stored once (the big file stays one file; the only new
        // blob is the new package's manifest, small enough to be kept inline in the database).
        var blobFiles = Directory.EnumerateFiles(temp.Combine("root", "blobs"), "*", SearchOption.AllDirectories).Count();
        var blobRows = StoreFiles.Scalar(temp.Combine("root"), "SELECT COUNT(*) FROM blobs");
        var (again, _) = await Api.PostPackageAsync(server.Http, Api.Form("round/trip-copy", Api.Files(("copy/big.bin", big))));
        Assert.Equal(HttpStatusCode.Created, again);
        Assert.Equal(blobFiles, Directory.EnumerateFiles(temp.Combine("root", "blobs"), "*", SearchOption.AllDirectories).Count());
        Assert.Equal(blobRows + 1, StoreFiles.Scalar(temp.Combine("root"), "SELECT COUNT(*) FROM blobs"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Combine("root", "tmp")));

        using var head = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"v1/blobs/{Api.Sha256(big)}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(big.Length, head.Content.Headers.ContentLength);
        using var unknown = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"v1/blobs/sha256:{new string('0', 64)}"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task the_answer_to_a_create_is_byte_for_byte_what_a_read_of_the_package_and_a_replay_answer()
    {
        // The 201 is built from the unit of work, not read back from the views: labels out of order, paths whose
        // UTF-16 and UTF-8 orders differ, a media type, and a time with milliseconds must all come out the same.
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        MultipartFormDataContent Form()
        {
            var files = Api.Files(("b.txt", [1]), ("\U0001F600.txt", [2]), ("\uFF21.txt", [3]), ("a/z.json", [4])).ToList();
            files[3].Item2.Headers.ContentType = new("application/json");
            return Api.Form("answer/check", files, "label", "zeta=1", "label", "Alpha=2", "retention_class", "standard");
        }

        byte[] created;
        using (var request = new HttpRequestMessage(HttpMethod.Post, "v1/packages"))
        {
            request.Content = Form();
            request.Headers.Add("Idempotency-Key", "answer-check");
            using var response = await server.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            created = await response.Content.ReadAsByteArrayAsync();
        }

        using var document = JsonDocument.Parse(created);
        var id = document.RootElement.GetProperty("id").GetString()!;
        var read = await server.Http.GetByteArrayAsync($"v1/packages/{id}");
        Assert.Equal(Encoding.UTF8.GetString(read), Encoding.UTF8.GetString(created));

        using var replay = new HttpRequestMessage(HttpMethod.Post, "v1/packages");
        replay.Content = Form();
        replay.Headers.Add("Idempotency-Key", "answer-check");
        using var replayed = await server.Http.SendAsync(replay);
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        Assert.Equal(Encoding.UTF8.GetString(created), await replayed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task downloads_honour_etag_and_ranges()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var bytes = new byte[10_000];
        new Random(1).NextBytes(bytes);
        var (_, body) = await Api.PostPackageAsync(server.Http, Api.Form("ranges", Api.Files(("f.bin", bytes))));
        var id = body.GetProperty("id").GetString()!;
        var etag = $"\"{Api.Sha256(bytes)}\"";

        using var first = await server.Http.GetAsync($"v1/packages/{id}/files/f.bin");
        Assert.Equal(etag, first.Headers.ETag?.ToString());

        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"v1/packages/{id}/files/f.bin");
        conditional.Headers.TryAddWithoutValidation("If-None-Match", etag);
        using var notModified = await server.Http.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var ranged = new HttpRequestMessage(HttpMethod.Get, $"v1/packages/{id}/files/f.bin");
        ranged.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(100, 199);
        using var partial = await server.Http.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(bytes[100..200], await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal("bytes 100-199/10000", partial.Content.Headers.ContentRange?.ToString());

        using var beyond = new HttpRequestMessage(HttpMethod.Get, $"v1/packages/{id}/files/f.bin");
        beyond.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(20_000, null);
        using var unsatisfiable = await server.Http.SendAsync(beyond);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
    }

    [Fact]
    public async Task the_manifest_is_canonical_json_by_default_and_canonical_cbor_on_request()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var (_, body) = await Api.PostPackageAsync(server.Http, Api.Form("manifest/test", Api.Files(("z.txt", "z"u8.ToArray()), ("a.txt", "a"u8.ToArray())), "label", "k=v"));
        var id = body.GetProperty("id").GetString()!;

        var json = await server.Http.GetStringAsync($"v1/packages/{id}/manifest");
        Assert.Equal(ArtifactStore.Core.Encoding.Jcs.Canonicalize(json), json);
        Assert.StartsWith("{\"files\":[{", json, StringComparison.Ordinal);
        Assert.True(json.IndexOf("a.txt", StringComparison.Ordinal) < json.IndexOf("z.txt", StringComparison.Ordinal));

        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/packages/{id}/manifest");
        request.Headers.Accept.ParseAdd("application/cbor");
        using var response = await server.Http.SendAsync(request);
        Assert.Equal("application/cbor", response.Content.Headers.ContentType?.MediaType);
        var cbor = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(body.GetProperty("manifest_digest").GetString(), "sha256:" + Convert.ToHexStringLower(SHA256.HashData(cbor)));
        var decoded = ArtifactStore.Core.Encoding.Cbor.Decode(cbor, ArtifactStore.Core.Encoding.CborDecodeOptions.Canonical);
        Assert.Equal(json, ArtifactStore.Core.Encoding.Jcs.Serialize(ArtifactStore.Core.Encoding.CborJson.ToJson(decoded)));
    }
}
