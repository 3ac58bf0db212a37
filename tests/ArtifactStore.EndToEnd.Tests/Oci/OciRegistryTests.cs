using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using static ArtifactStore.EndToEnd.Tests.Oci.OciTools;

namespace ArtifactStore.EndToEnd.Tests.Oci;

/// <summary>
/// The OCI distribution API (docs/oci.md) driven by real clients from Debian's packages — skopeo and podman — against
/// real server processes: images go in and come back with the same manifest and layer digests, tokens work as Basic
/// credentials, and pushed images live by the store's retention and GC (annotation and per-repository classes, holds,
/// layers shared between images, children of an index).
/// </summary>
public sealed class OciRegistryTests
{
    private const string RetentionConfig = """
        { "Retention": { "Classes": { "short": { "Duration": "00:00:04" } }, "SweepInterval": "1.00:00:00" },
          "Gc": { "BlobGracePeriod": "00:00:00", "Interval": "1.00:00:00" },
          "Oci": { "Repositories": { "scratch/*": { "Class": "short" } } } }
        """;

    private static readonly Dictionary<string, string> Short = new() { ["org.artifactstore.retention.class"] = "short" };

    [Fact]
    public async Task skopeo_copies_a_multi_layer_image_in_and_back_with_identical_digests_and_inspect_reads_it()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);
        var admin = await TokenCli.CreateAsync(root, "admin", "admin", null);
        var writer = (await TokenCli.CreateAsync(root, "ci", "writer", admin))!;
        var registry = $"127.0.0.1:{server.Port}";
        var layers = new[] { OciLayout.MakeLayer("a.txt", "first layer"), OciLayout.MakeLayer("b.txt", "second layer"), OciLayout.MakeLayer("c.txt", "third layer") };
        var image = OciLayout.Write(temp.Combine("src"), "v1", layers, new Dictionary<string, string> { ["org.example.team"] = "eval" });

        // Without credentials the push is refused, and the 401 asks for Basic credentials in the OCI error format.
        var (refusedExit, _, _) = await SkopeoAsync("copy", "--dest-tls-verify=false", $"oci:{image.Directory}:v1", $"docker://{registry}/team/app:v1");
        Assert.NotEqual(0, refusedExit);
        using (var anonymous = await server.Http.GetAsync("v2/"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.StartsWith("Basic ", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            Assert.Equal("UNAUTHORIZED", ErrorCode(await anonymous.Content.ReadAsStringAsync()));
        }

        var creds = $"ci:{writer}";
        await MustAsync(SkopeoAsync("copy", "--dest-tls-verify=false", "--dest-creds", creds, $"oci:{image.Directory}:v1", $"docker://{registry}/team/app:v1"));
        await MustAsync(SkopeoAsync("copy", "--dest-tls-verify=false", "--dest-creds", creds, $"oci:{image.Directory}:v1", $"docker://{registry}/team/app:v2"));

        // And back: the same manifest bytes and digest, the same layers.
        var back = temp.Combine("back");
        await MustAsync(SkopeoAsync("copy", "--src-tls-verify=false", "--src-creds", creds, $"docker://{registry}/team/app:v1", $"oci:{back}:v1"));
        Assert.Equal(image.ManifestDigest, OciLayout.IndexedManifestDigest(back));
        Assert.Equal(image.Manifest, OciLayout.ReadBlob(back, image.ManifestDigest));
        foreach (var layer in layers)
        {
            Assert.Equal(layer.Gzip, OciLayout.ReadBlob(back, layer.Digest));
        }

        using (var inspect = JsonDocument.Parse(await MustAsync(SkopeoAsync("inspect", "--tls-verify=false", "--creds", creds, $"docker://{registry}/team/app:v1"))))
        {
            Assert.Equal(image.ManifestDigest, inspect.RootElement.GetProperty("Digest").GetString());
            Assert.Equal(image.LayerDigests, inspect.RootElement.GetProperty("Layers").EnumerateArray().Select(l => l.GetString()!).ToList());
            Assert.Equal(["v1", "v2"], inspect.RootElement.GetProperty("RepoTags").EnumerateArray().Select(t => t.GetString()!).ToList());
        }

        // The manifest by digest, byte-exact, with its type and digest; the package holds the manifest and every blob.
        using (var byDigest = await SendAsync(server, HttpMethod.Get, $"v2/team/app/manifests/{image.ManifestDigest}", writer))
        {
            Assert.Equal(HttpStatusCode.OK, byDigest.StatusCode);
            Assert.Equal(OciLayout.ManifestType, byDigest.Content.Headers.ContentType?.MediaType);
            Assert.Equal(image.ManifestDigest, byDigest.Headers.GetValues("Docker-Content-Digest").Single());
            Assert.Equal(image.Manifest, await byDigest.Content.ReadAsByteArrayAsync());
        }

        var (_, packages) = await Api.SendAsync(server.Http, HttpMethod.Get, $"v1/packages?name=team/app&label=oci.tag=v1", writer);
        var package = packages.GetProperty("items").EnumerateArray().Single();
        Assert.Equal("eval", package.GetProperty("labels").GetProperty("org.example.team").GetString());
        Assert.Equal(image.ManifestDigest, package.GetProperty("labels").GetProperty("oci.digest").GetString());
        var files = package.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("sha256").GetString()!).ToHashSet();
        Assert.Contains(image.ManifestDigest, files);
        Assert.All(image.LayerDigests, d => Assert.Contains(d, files));
        Assert.Equal(5, files.Count);

        // Ranged blob reads, tag paging, a mount within the store, and errors in the OCI format.
        using (var ranged = await SendAsync(server, HttpMethod.Get, $"v2/team/app/blobs/{layers[1].Digest}", writer, range: (2, 9)))
        {
            Assert.Equal(HttpStatusCode.PartialContent, ranged.StatusCode);
            Assert.Equal(layers[1].Gzip[2..10], await ranged.Content.ReadAsByteArrayAsync());
        }

        using (var page = await SendAsync(server, HttpMethod.Get, "v2/team/app/tags/list?n=1", writer))
        {
            Assert.Equal("""{"name":"team/app","tags":["v1"]}""", await page.Content.ReadAsStringAsync());
            Assert.Contains("last=v1", page.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
        }

        using (var rest = await SendAsync(server, HttpMethod.Get, "v2/team/app/tags/list?n=5&last=v1", writer))
        {
            Assert.Equal("""{"name":"team/app","tags":["v2"]}""", await rest.Content.ReadAsStringAsync());
        }

        using (var mount = await SendAsync(server, HttpMethod.Post, $"v2/other/app/blobs/uploads/?mount={layers[0].Digest}&from=team/app", writer))
        {
            Assert.Equal(HttpStatusCode.Created, mount.StatusCode);
            Assert.Equal($"/v2/other/app/blobs/{layers[0].Digest}", mount.Headers.Location?.OriginalString);
        }

        using (var unknown = await SendAsync(server, HttpMethod.Get, "v2/team/app/manifests/nope", writer))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal("MANIFEST_UNKNOWN", ErrorCode(await unknown.Content.ReadAsStringAsync()));
        }

        using (var badName = await SendAsync(server, HttpMethod.Get, "v2/Team/App/tags/list", writer))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
            Assert.Equal("NAME_INVALID", ErrorCode(await badName.Content.ReadAsStringAsync()));
        }
    }

    [Fact]
    public async Task a_chunked_blob_upload_refuses_an_out_of_order_chunk_and_a_wrong_digest_then_lands_byte_exact()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);
        var content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("chunked blob content ", 500)));
        var digest = OciLayout.Sha256(content);

        using var begun = await SendAsync(server, HttpMethod.Post, "v2/chunks/blob/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Accepted, begun.StatusCode);
        var location = begun.Headers.Location!.OriginalString;
        using (var first = await SendAsync(server, HttpMethod.Patch, location, null, body: content[..4000], contentRange: "0-3999"))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
            Assert.Equal("0-3999", first.Headers.GetValues("Range").Single());
        }

        using (var outOfOrder = await SendAsync(server, HttpMethod.Patch, location, null, body: content[5000..6000], contentRange: "5000-5999"))
        {
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, outOfOrder.StatusCode);
            Assert.Equal("0-3999", outOfOrder.Headers.GetValues("Range").Single());
            Assert.Equal("BLOB_UPLOAD_INVALID", ErrorCode(await outOfOrder.Content.ReadAsStringAsync()));
        }

        using (var second = await SendAsync(server, HttpMethod.Patch, location, null, body: content[4000..], contentRange: $"4000-{content.Length - 1}"))
        {
            Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        }

        var wrong = OciLayout.Sha256([1, 2, 3]);
        using (var mismatch = await SendAsync(server, HttpMethod.Put, $"{location}?digest={wrong}", null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
            Assert.Equal("DIGEST_INVALID", ErrorCode(await mismatch.Content.ReadAsStringAsync()));
        }

        using (var missing = await SendAsync(server, HttpMethod.Head, $"v2/chunks/blob/blobs/{wrong}", null))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        using (var finished = await SendAsync(server, HttpMethod.Put, $"{location}?digest={digest}", null))
        {
            Assert.Equal(HttpStatusCode.Created, finished.StatusCode);
            Assert.Equal(digest, finished.Headers.GetValues("Docker-Content-Digest").Single());
        }

        using var pulled = await SendAsync(server, HttpMethod.Get, $"v2/chunks/blob/blobs/{digest}", null);
        Assert.Equal(content, await pulled.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task a_mount_answers_201_only_for_a_blob_a_live_image_holds_and_falls_back_to_an_upload_once_gc_condemned_it()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");

        // Condemned blobs wait an hour for the reaper, so the mount meets one GC has condemned but not yet taken.
        await using var server = await ServerProcess.StartAsync(root, StoreFiles.Config(temp, """
            { "Retention": { "Classes": { "short": { "Duration": "00:00:02" } }, "SweepInterval": "1.00:00:00" },
              "Gc": { "BlobGracePeriod": "01:00:00", "Interval": "1.00:00:00" } }
            """));
        var layer = OciLayout.MakeLayer("mounted.txt", "a layer that moves between repositories");
        var config = """{"architecture":"amd64","os":"linux"}"""u8.ToArray();
        foreach (var blob in new[] { config, layer.Gzip })
        {
            using var pushed = await SendAsync(server, HttpMethod.Post, $"v2/ci/base/blobs/uploads/?digest={OciLayout.Sha256(blob)}", null, body: blob);
            Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        }

        // Pushed bytes no manifest names yet are orphans to GC: no mount, a session instead.
        await AssertMountFallsBackAsync(server, layer.Digest);

        await PushManifestAsync(server, "ci/base", config, [layer], Short);
        await AssertMountedAsync(server, layer.Digest);

        // The image expires and GC deletes it: its blobs are condemned, and a mount falls back to an upload.
        var expiresAt = DateTimeOffset.Parse((await PackageAsync(server, null!, "ci/base", "v1")).GetProperty("retention").GetProperty("expires_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        await Task.Delay(expiresAt.AddSeconds(1) - DateTimeOffset.UtcNow is { TotalMilliseconds: > 0 } wait ? wait : TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/retention/sweep")).Status);
        var (gcStatus, gc) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/gc");
        Assert.Equal(HttpStatusCode.OK, gcStatus);
        Assert.Equal(1, gc.GetProperty("packages_deleted").GetArrayLength());
        Assert.True(File.Exists(BlobFile(root, layer.Digest)), "the condemned layer is still within its grace period");
        var location = await AssertMountFallsBackAsync(server, layer.Digest);

        // The client sends the bytes on that session and pushes its manifest: the layer is live again, and mountable.
        using (var finished = await SendAsync(server, HttpMethod.Put, $"{location}?digest={layer.Digest}", null, body: layer.Gzip))
        {
            Assert.Equal(HttpStatusCode.Created, finished.StatusCode);
        }

        await PushManifestAsync(server, "other/app", config, [layer], annotations: null);
        await AssertMountedAsync(server, layer.Digest);
    }

    [Fact]
    public async Task re_uploading_condemned_blobs_monolithically_in_chunks_or_after_a_mount_revives_them_so_gc_leaves_them_for_the_manifest()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");

        // A grace period short enough to outlive: once it has passed, the reaper may take the condemned blobs at any
        // moment, and only the uploads that come then can keep them for the manifest that follows.
        var grace = TimeSpan.FromSeconds(4);
        await using var server = await ServerProcess.StartAsync(root, StoreFiles.Config(temp, """
            { "Retention": { "Classes": { "short": { "Duration": "00:00:02" } }, "SweepInterval": "1.00:00:00" },
              "Gc": { "BlobGracePeriod": "00:00:04", "Interval": "1.00:00:00" } }
            """));
        var config = """{"architecture":"amd64","os":"linux","revived":true}"""u8.ToArray();
        var chunked = OciLayout.MakeLayer("chunked.txt", string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i} of a layer sent in chunks\n")));
        var mounted = OciLayout.MakeLayer("mounted.txt", "a layer sent on the session a mount fell back to");
        foreach (var blob in new[] { config, chunked.Gzip, mounted.Gzip })
        {
            using var pushed = await SendAsync(server, HttpMethod.Post, $"v2/ci/base/blobs/uploads/?digest={OciLayout.Sha256(blob)}", null, body: blob);
            Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        }

        var first = await PushManifestAsync(server, "ci/base", config, [chunked, mounted], Short);

        // The image expires and GC deletes it: every blob it held is condemned, and stays so past the grace period.
        var expiresAt = DateTimeOffset.Parse((await PackageAsync(server, null!, "ci/base", "v1")).GetProperty("retention").GetProperty("expires_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        await Task.Delay(expiresAt.AddSeconds(1) - DateTimeOffset.UtcNow is { TotalMilliseconds: > 0 } wait ? wait : TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/retention/sweep")).Status);
        var (deletedStatus, deleted) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/gc");
        Assert.Equal(HttpStatusCode.OK, deletedStatus);
        Assert.Equal(1, deleted.GetProperty("packages_deleted").GetArrayLength());
        await Task.Delay(grace + TimeSpan.FromMilliseconds(500));

        // The client sends the bytes again: in one request, in chunks, and on the session a mount falls back to.
        using (var monolithic = await SendAsync(server, HttpMethod.Post, $"v2/other/app/blobs/uploads/?digest={OciLayout.Sha256(config)}", null, body: config))
        {
            Assert.Equal(HttpStatusCode.Created, monolithic.StatusCode);
        }

        using (var begun = await SendAsync(server, HttpMethod.Post, "v2/other/app/blobs/uploads/", null))
        {
            var location = begun.Headers.Location!.OriginalString;
            var half = chunked.Gzip.Length / 2;
            using var head = await SendAsync(server, HttpMethod.Patch, location, null, body: chunked.Gzip[..half], contentRange: $"0-{half - 1}");
            Assert.Equal(HttpStatusCode.Accepted, head.StatusCode);
            using var tail = await SendAsync(server, HttpMethod.Patch, location, null, body: chunked.Gzip[half..], contentRange: $"{half}-{chunked.Gzip.Length - 1}");
            Assert.Equal(HttpStatusCode.Accepted, tail.StatusCode);
            using var finished = await SendAsync(server, HttpMethod.Put, $"{location}?digest={chunked.Digest}", null);
            Assert.Equal(HttpStatusCode.Created, finished.StatusCode);
        }

        var session = await AssertMountFallsBackAsync(server, mounted.Digest);
        using (var finished = await SendAsync(server, HttpMethod.Put, $"{session}?digest={mounted.Digest}", null, body: mounted.Gzip))
        {
            Assert.Equal(HttpStatusCode.Created, finished.StatusCode);
        }

        // GC reaps what nobody sent again (the expired image's manifest), and leaves the three blobs the uploads revived.
        var revived = new[] { OciLayout.Sha256(config), chunked.Digest, mounted.Digest };
        var (gcStatus, gc) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/gc");
        Assert.Equal(HttpStatusCode.OK, gcStatus);
        var reaped = gc.GetProperty("blobs_reaped").EnumerateArray().Select(b => b.GetProperty("digest").GetString()).ToList();
        Assert.Contains(first, reaped);
        Assert.Empty(reaped.Intersect(revived));
        Assert.All(revived, digest => Assert.True(File.Exists(BlobFile(root, digest)), digest));

        var second = await PushManifestAsync(server, "other/app", config, [chunked, mounted], annotations: null);
        using (var manifest = await SendAsync(server, HttpMethod.Get, "v2/other/app/manifests/v1", null))
        {
            Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
            Assert.Equal(second, manifest.Headers.GetValues("Docker-Content-Digest").Single());
        }

        foreach (var blob in new[] { config, chunked.Gzip, mounted.Gzip })
        {
            using var pulled = await SendAsync(server, HttpMethod.Get, $"v2/other/app/blobs/{OciLayout.Sha256(blob)}", null);
            Assert.Equal(HttpStatusCode.OK, pulled.StatusCode);
            Assert.Equal(blob, await pulled.Content.ReadAsByteArrayAsync());
        }

        // Each revival is in the log, on the system stream, by the uploader.
        var (_, events) = await Api.GetJsonAsync(server.Http, "v1/events?after=0&limit=1000");
        var revivals = events.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("type").GetString() == "v1.blob.revived").ToList();
        Assert.Equal(revived.Order(StringComparer.Ordinal), revivals.Select(e => e.GetProperty("payload").GetProperty("sha256").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(revivals, e => Assert.Equal("system", e.GetProperty("stream").GetString()));
    }

    /// <summary>A mount of <paramref name="digest"/> into <c>other/app</c> answered 201 at the blob's address.</summary>
    private static async Task AssertMountedAsync(ServerProcess server, string digest)
    {
        using var mount = await SendAsync(server, HttpMethod.Post, $"v2/other/app/blobs/uploads/?mount={digest}&from=ci/base", null);
        Assert.Equal(HttpStatusCode.Created, mount.StatusCode);
        Assert.Equal($"/v2/other/app/blobs/{digest}", mount.Headers.Location?.OriginalString);
    }

    /// <summary>A mount of <paramref name="digest"/> into <c>other/app</c> answered as a new upload session (202); returns its location.</summary>
    private static async Task<string> AssertMountFallsBackAsync(ServerProcess server, string digest)
    {
        using var mount = await SendAsync(server, HttpMethod.Post, $"v2/other/app/blobs/uploads/?mount={digest}&from=ci/base", null);
        Assert.Equal(HttpStatusCode.Accepted, mount.StatusCode);
        Assert.True(mount.Headers.Contains("Docker-Upload-UUID"));
        var location = mount.Headers.Location!.OriginalString;
        Assert.StartsWith("/v2/other/app/blobs/uploads/", location, StringComparison.Ordinal);
        return location;
    }

    /// <summary>Pushes an image manifest of <paramref name="config"/> and <paramref name="layers"/> as <c>v1</c>, answered 201; returns its digest.</summary>
    private static async Task<string> PushManifestAsync(ServerProcess server, string repository, byte[] config, IReadOnlyList<OciLayout.Layer> layers, IReadOnlyDictionary<string, string>? annotations)
    {
        var manifest = new Dictionary<string, object>
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciLayout.ManifestType,
            ["config"] = OciLayout.Descriptor("application/vnd.oci.image.config.v1+json", config),
            ["layers"] = layers.Select(l => OciLayout.Descriptor(OciLayout.LayerType, l.Gzip)).ToArray(),
        };
        if (annotations is not null)
        {
            manifest["annotations"] = annotations;
        }

        using var pushed = await SendAsync(server, HttpMethod.Put, $"v2/{repository}/manifests/v1", null, body: JsonSerializer.SerializeToUtf8Bytes(manifest), contentType: OciLayout.ManifestType);
        Assert.True(pushed.StatusCode == HttpStatusCode.Created, await pushed.Content.ReadAsStringAsync());
        return pushed.Headers.GetValues("Docker-Content-Digest").Single();
    }

    [Fact]
    public async Task podman_pushes_and_pulls_a_local_image()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);
        var admin = await TokenCli.CreateAsync(root, "admin", "admin", null);
        var writer = (await TokenCli.CreateAsync(root, "builder", "writer", admin))!;
        var registry = $"127.0.0.1:{server.Port}";
        var local = $"localhost/artifactstore-oci-e2e/{Guid.NewGuid():N}:1";
        var remote = $"{registry}/podman/hello:1";
        var rootfs = temp.Combine("rootfs");
        Directory.CreateDirectory(rootfs);
        await File.WriteAllTextAsync(Path.Combine(rootfs, "hello.txt"), "hello from podman " + Guid.NewGuid());
        var tar = temp.Combine("rootfs.tar");
        await System.Formats.Tar.TarFile.CreateFromDirectoryAsync(rootfs, tar, includeBaseDirectory: false);
        try
        {
            await MustAsync(PodmanAsync("import", "--quiet", tar, local));
            var localId = (await MustAsync(PodmanAsync("image", "inspect", "--format", "{{.Id}}", local))).Trim();
            await MustAsync(PodmanAsync("push", "--tls-verify=false", "--creds", $"builder:{writer}", local, $"docker://{remote}"));
            await MustAsync(PodmanAsync("rmi", "--force", local));

            await MustAsync(PodmanAsync("pull", "--quiet", "--tls-verify=false", "--creds", $"builder:{writer}", remote));
            var pulled = (await MustAsync(PodmanAsync("image", "inspect", "--format", "{{.Id}} {{.Digest}}", remote))).Trim().Split(' ');
            Assert.Equal(localId, pulled[0]);

            using var head = await SendAsync(server, HttpMethod.Head, "v2/podman/hello/manifests/1", writer);
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(head.Headers.GetValues("Docker-Content-Digest").Single(), pulled[1]);
        }
        finally
        {
            await PodmanAsync("rmi", "--force", local);
            await PodmanAsync("rmi", "--force", remote);
        }
    }

    [Fact]
    public async Task an_image_with_the_short_retention_annotation_expires_and_is_collected_while_its_shared_layer_survives_and_a_hold_keeps_another()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root, StoreFiles.Config(temp, RetentionConfig));
        var admin = (await TokenCli.CreateAsync(root, "admin", "admin", null))!;
        var registry = $"127.0.0.1:{server.Port}";
        var creds = $"admin:{admin}";
        var shared = OciLayout.MakeLayer("shared.txt", "a base layer both images use");
        var onlyOld = OciLayout.MakeLayer("old.txt", "only in the image that expires");
        var onlyKept = OciLayout.MakeLayer("kept.txt", "only in the image that stays");
        var onlyHeld = OciLayout.MakeLayer("held.txt", "only in the held image");
        var old = OciLayout.Write(temp.Combine("old"), "old", [shared, onlyOld], Short);
        var kept = OciLayout.Write(temp.Combine("kept"), "kept", [shared, onlyKept]);
        var held = OciLayout.Write(temp.Combine("held"), "1", [onlyHeld]);
        await MustAsync(SkopeoAsync("copy", "--dest-tls-verify=false", "--dest-creds", creds, $"oci:{old.Directory}:old", $"docker://{registry}/ci/app:old"));
        await MustAsync(SkopeoAsync("copy", "--dest-tls-verify=false", "--dest-creds", creds, $"oci:{kept.Directory}:kept", $"docker://{registry}/ci/app:kept"));
        // No annotation: the class comes from the repository rule "scratch/*".
        await MustAsync(SkopeoAsync("copy", "--dest-tls-verify=false", "--dest-creds", creds, $"oci:{held.Directory}:1", $"docker://{registry}/scratch/held:1"));

        var oldPackage = await PackageAsync(server, admin, "ci/app", "old");
        var keptPackage = await PackageAsync(server, admin, "ci/app", "kept");
        var heldPackage = await PackageAsync(server, admin, "scratch/held", "1");
        Assert.Equal("short", oldPackage.GetProperty("retention_class").GetString());
        Assert.Equal("standard", keptPackage.GetProperty("retention_class").GetString());
        Assert.Equal("short", heldPackage.GetProperty("retention_class").GetString());
        var (holdStatus, _) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/packages/{heldPackage.GetProperty("id").GetString()}/retention/holds", admin, new { reason = "incident review" });
        Assert.Equal(HttpStatusCode.Created, holdStatus);

        var expiresAt = DateTimeOffset.Parse(oldPackage.GetProperty("retention").GetProperty("expires_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        await Task.Delay(expiresAt.AddSeconds(1) - DateTimeOffset.UtcNow is { TotalMilliseconds: > 0 } wait ? wait : TimeSpan.Zero);
        await CollectAsync(server, admin);

        // The expired tag: MANIFEST_UNKNOWN saying it expired and when; its own layer is gone, the shared one is not.
        using (var expired = await SendAsync(server, HttpMethod.Get, "v2/ci/app/manifests/old", admin))
        {
            Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
            using var error = JsonDocument.Parse(await expired.Content.ReadAsStringAsync());
            var first = error.RootElement.GetProperty("errors")[0];
            Assert.Equal("MANIFEST_UNKNOWN", first.GetProperty("code").GetString());
            Assert.Contains("expired at", first.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.True(first.GetProperty("detail").GetProperty("expired").GetBoolean());
            Assert.Equal(JsonValueKind.String, first.GetProperty("detail").GetProperty("deleted_at").ValueKind);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(server, HttpMethod.Head, $"v2/ci/app/blobs/{onlyOld.Digest}", admin)).StatusCode);
        Assert.False(File.Exists(BlobFile(root, onlyOld.Digest)));
        Assert.True(File.Exists(BlobFile(root, shared.Digest)));

        var keptBack = temp.Combine("kept-back");
        await MustAsync(SkopeoAsync("copy", "--src-tls-verify=false", "--src-creds", creds, $"docker://{registry}/ci/app:kept", $"oci:{keptBack}:kept"));
        Assert.Equal(shared.Gzip, OciLayout.ReadBlob(keptBack, shared.Digest));
        Assert.Equal(kept.ManifestDigest, OciLayout.IndexedManifestDigest(keptBack));

        // The held image expired too, but the hold keeps it whole.
        var heldBack = temp.Combine("held-back");
        await MustAsync(SkopeoAsync("copy", "--src-tls-verify=false", "--src-creds", creds, $"docker://{registry}/scratch/held:1", $"oci:{heldBack}:1"));
        Assert.Equal(onlyHeld.Gzip, OciLayout.ReadBlob(heldBack, onlyHeld.Digest));

        using var tags = await SendAsync(server, HttpMethod.Get, "v2/ci/app/tags/list", admin);
        Assert.Equal("""{"name":"ci/app","tags":["kept"]}""", await tags.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task an_index_keeps_its_children_and_their_layers_after_the_childrens_own_packages_expire()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root, StoreFiles.Config(temp, RetentionConfig));
        var admin = (await TokenCli.CreateAsync(root, "admin", "admin", null))!;
        var registry = $"127.0.0.1:{server.Port}";
        var creds = $"admin:{admin}";
        var amdLayer = OciLayout.MakeLayer("amd.txt", "amd64 build");
        var armLayer = OciLayout.MakeLayer("arm.txt", "arm64 build");
        var amd = OciLayout.Write(temp.Combine("amd"), "amd", [amdLayer], Short);
        var arm = OciLayout.Write(temp.Combine("arm"), "arm", [armLayer], Short);
        await MustAsync(SkopeoAsync("copy", "--dest-tls-verify=false", "--dest-creds", creds, $"oci:{amd.Directory}:amd", $"docker://{registry}/multi/app:amd"));
        await MustAsync(SkopeoAsync("copy", "--dest-tls-verify=false", "--dest-creds", creds, $"oci:{arm.Directory}:arm", $"docker://{registry}/multi/app:arm"));

        var missingChild = Index(OciLayout.Descriptor(OciLayout.ManifestType, Encoding.UTF8.GetBytes("{\"not\":\"pushed\"}")));
        using (var refused = await SendAsync(server, HttpMethod.Put, "v2/multi/app/manifests/broken", admin, body: missingChild, contentType: IndexType))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("MANIFEST_BLOB_UNKNOWN", ErrorCode(await refused.Content.ReadAsStringAsync()));
        }

        var index = Index(OciLayout.Descriptor(OciLayout.ManifestType, amd.Manifest), OciLayout.Descriptor(OciLayout.ManifestType, arm.Manifest));
        using (var pushed = await SendAsync(server, HttpMethod.Put, "v2/multi/app/manifests/all", admin, body: index, contentType: IndexType))
        {
            Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
            Assert.Equal(OciLayout.Sha256(index), pushed.Headers.GetValues("Docker-Content-Digest").Single());
        }

        var children = await PackageAsync(server, admin, "multi/app", "amd");
        var expiresAt = DateTimeOffset.Parse(children.GetProperty("retention").GetProperty("expires_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        await Task.Delay(expiresAt.AddSeconds(1) - DateTimeOffset.UtcNow is { TotalMilliseconds: > 0 } wait ? wait : TimeSpan.Zero);
        await CollectAsync(server, admin);

        using (var expired = await SendAsync(server, HttpMethod.Get, "v2/multi/app/manifests/amd", admin))
        {
            Assert.Equal("MANIFEST_UNKNOWN", ErrorCode(await expired.Content.ReadAsStringAsync()));
        }

        // The index still holds both children and their layers: a pull of the whole index gets every byte back.
        var back = temp.Combine("back");
        await MustAsync(SkopeoAsync("copy", "--all", "--src-tls-verify=false", "--src-creds", creds, $"docker://{registry}/multi/app:all", $"oci:{back}:all"));
        Assert.Equal(OciLayout.Sha256(index), OciLayout.IndexedManifestDigest(back));
        Assert.Equal(amd.Manifest, OciLayout.ReadBlob(back, amd.ManifestDigest));
        Assert.Equal(armLayer.Gzip, OciLayout.ReadBlob(back, armLayer.Digest));
        Assert.True(File.Exists(BlobFile(root, amdLayer.Digest)));
    }

    [Fact]
    public async Task the_catalog_and_a_tag_pushed_many_times_list_and_page_over_http_with_link_headers_and_read_auth()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);
        var admin = await TokenCli.CreateAsync(root, "admin", "admin", null);
        var writer = (await TokenCli.CreateAsync(root, "ci", "writer", admin))!;
        var reader = (await TokenCli.CreateAsync(root, "viewer", "reader", admin))!;
        var config = Encoding.UTF8.GetBytes("{}");
        var layer = OciLayout.MakeLayer("a.txt", "catalog test layer").Gzip;
        foreach (var blob in new[] { config, layer })
        {
            using var put = await SendAsync(server, HttpMethod.Post, $"v2/alpha/app/blobs/uploads/?digest={OciLayout.Sha256(blob)}", writer, body: blob);
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        async Task<string> PushAsync(string repository, string tag, int build)
        {
            var manifest = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = OciLayout.ManifestType,
                ["config"] = OciLayout.Descriptor("application/vnd.oci.image.config.v1+json", config),
                ["layers"] = new[] { OciLayout.Descriptor(OciLayout.LayerType, layer) },
                ["annotations"] = new Dictionary<string, string> { ["org.example.build"] = build.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            });
            using var pushed = await SendAsync(server, HttpMethod.Put, $"v2/{repository}/manifests/{tag}", writer, body: manifest, contentType: OciLayout.ManifestType);
            Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
            return OciLayout.Sha256(manifest);
        }

        // One tag pushed many times: the list names it once, and a pull by tag gets the last push.
        var last = "";
        for (var build = 0; build < 20; build++)
        {
            last = await PushAsync("alpha/app", "latest", build);
        }

        await PushAsync("alpha/app", "1.0", 100);
        await PushAsync("zeta/tool", "1", 101);
        await PushAsync("mid", "1", 102);
        using (var pulled = await SendAsync(server, HttpMethod.Head, "v2/alpha/app/manifests/latest", reader))
        {
            Assert.Equal(last, pulled.Headers.GetValues("Docker-Content-Digest").Single());
        }

        using (var tags = await SendAsync(server, HttpMethod.Get, "v2/alpha/app/tags/list", reader))
        {
            Assert.Equal("""{"name":"alpha/app","tags":["1.0","latest"]}""", await tags.Content.ReadAsStringAsync());
        }

        // The catalog: a reader's read; anonymous is refused with the Basic challenge; paged with Link as tag lists are.
        using (var anonymous = await server.Http.GetAsync("v2/_catalog"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.StartsWith("Basic ", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            Assert.Equal("UNAUTHORIZED", ErrorCode(await anonymous.Content.ReadAsStringAsync()));
        }

        using (var all = await SendAsync(server, HttpMethod.Get, "v2/_catalog", reader))
        {
            Assert.Equal(HttpStatusCode.OK, all.StatusCode);
            Assert.Equal("""{"repositories":["alpha/app","mid","zeta/tool"]}""", await all.Content.ReadAsStringAsync());
            Assert.False(all.Headers.Contains("Link"));
        }

        string next;
        using (var first = await SendAsync(server, HttpMethod.Get, "v2/_catalog?n=2", reader))
        {
            Assert.Equal("""{"repositories":["alpha/app","mid"]}""", await first.Content.ReadAsStringAsync());
            next = first.Headers.GetValues("Link").Single();
            Assert.Equal("</v2/_catalog?n=2&last=mid>; rel=\"next\"", next);
        }

        using (var second = await SendAsync(server, HttpMethod.Get, next[1..next.IndexOf('>', StringComparison.Ordinal)], reader))
        {
            Assert.Equal("""{"repositories":["zeta/tool"]}""", await second.Content.ReadAsStringAsync());
            Assert.False(second.Headers.Contains("Link"));
        }

        using (var badLimit = await SendAsync(server, HttpMethod.Get, "v2/_catalog?n=-1", reader))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, badLimit.StatusCode);
            Assert.Equal("VALIDATION_FAILED", ErrorCode(await badLimit.Content.ReadAsStringAsync()));
        }

        using (var write = await SendAsync(server, HttpMethod.Post, "v2/_catalog", writer))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, write.StatusCode);
            Assert.Equal("UNSUPPORTED", ErrorCode(await write.Content.ReadAsStringAsync()));
        }

        // A real client reads the tag list through the same view.
        using var listed = JsonDocument.Parse(await MustAsync(SkopeoAsync("list-tags", "--tls-verify=false", "--creds", $"viewer:{reader}", $"docker://127.0.0.1:{server.Port}/alpha/app")));
        Assert.Equal(["1.0", "latest"], listed.RootElement.GetProperty("Tags").EnumerateArray().Select(t => t.GetString()!).ToList());
    }

    private const string IndexType = "application/vnd.oci.image.index.v1+json";

    private static byte[] Index(params Dictionary<string, object>[] children) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["schemaVersion"] = 2, ["mediaType"] = IndexType, ["manifests"] = children });

    /// <summary>Marks what expired eligible, then collects twice: packages first, their released blobs in the next run (grace 0).</summary>
    private static async Task CollectAsync(ServerProcess server, string token)
    {
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/retention/sweep", token)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/gc", token)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/gc", token)).Status);
    }

    private static async Task<JsonElement> PackageAsync(ServerProcess server, string token, string repository, string tag)
    {
        var (status, body) = await Api.SendAsync(server.Http, HttpMethod.Get, $"v1/packages?name={repository}&label=oci.tag={tag}", token);
        Assert.Equal(HttpStatusCode.OK, status);
        return body.GetProperty("items").EnumerateArray().Single();
    }

    private static string BlobFile(string root, string digest)
    {
        var hex = digest["sha256:".Length..];
        return Path.Combine(root, "blobs", "sha256", hex[..2], hex[2..4], hex);
    }

    private static string? ErrorCode(string body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("errors")[0].GetProperty("code").GetString();
    }

    private static async Task<HttpResponseMessage> SendAsync(ServerProcess server, HttpMethod method, string path, string? token,
        byte[]? body = null, string? contentType = null, string? contentRange = null, (long From, long To)? range = null)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (range is { } r)
        {
            request.Headers.Range = new RangeHeaderValue(r.From, r.To);
        }

        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/octet-stream");
            if (contentRange is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Range", contentRange);
            }
        }

        return await server.Http.SendAsync(request);
    }
}
