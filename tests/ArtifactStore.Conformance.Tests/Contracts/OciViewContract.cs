using System.Text.Json;
using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Core.Oci;
using ArtifactStore.Core.Packages;

namespace ArtifactStore.Conformance.Tests.Contracts;

/// <summary>
/// The registry's tag and catalog views on the backend (docs/oci.md, "Tag and catalog views"): a tag names its newest
/// push through expiry, deletion and the purge of its tombstone; tag lists and the catalog page in byte order; the
/// views equal a replay of the log; and a store made before the views (schema 4) gets them on open, equal to what
/// it would have projected.
/// </summary>
public abstract class OciViewContract(StoreBackendFixture fixture)
{
    /// <summary>The schema version whose script adds the views.</summary>
    private const int ViewsSchemaVersion = 5;

    private static readonly TimeSpan PastShortExpiry = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task a_tag_names_its_newest_push_through_expiry_deletion_and_the_purge_of_its_tombstone_and_lists_page_in_order()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var oci = new Oci(store);
            await oci.StoreBlobsAsync();
            var v1First = await oci.PushAsync("team/app", "v1", "v1 first", "short");
            var v1 = await oci.PushAsync("team/app", "v1", "v1 second");
            var v2 = await oci.PushAsync("team/app", "v2", "v2", "short");
            await oci.PushAsync("team/app", null, "by digest only");
            var pinned = await oci.PushAsync("team/pinned", "x", "kept by its pin", "short");
            Assert.True((await store.Retention.SetPinnedAsync(pinned.Package.Id, true, "release", "tester", default)).IsSuccess);
            var pinnedNewer = await oci.PushAsync("team/pinned", "x", "the newer push", "short");
            await oci.PushAsync("gone/app", "1", "the only push", "short");

            Assert.Equal(v1.Package.Id, await oci.ResolveIdAsync("team/app", "v1"));
            Assert.Equal(pinnedNewer.Package.Id, await oci.ResolveIdAsync("team/pinned", "x"));
            Assert.Equal("v1,v2", await oci.TagsAsync("team/app", null, null));
            Assert.Equal("v1 (more)", await oci.TagsAsync("team/app", null, 1));
            Assert.Equal("v2", await oci.TagsAsync("team/app", "v1", 1));
            Assert.Equal(" (more)", await oci.TagsAsync("team/app", null, 0));
            Assert.Equal("", await oci.TagsAsync("team/app", "v2", 5));
            Assert.Equal(OciErrorCodes.NameUnknown, await oci.TagsErrorAsync("team/none"));
            Assert.Equal("gone/app,team/app,team/pinned", await oci.CatalogAsync(null, null, default));

            // Past the short expiry and swept: the tag whose newest push expired answers so and leaves the list; a tag
            // with a newer standard push is untouched by its older push's expiry.
            store.Time.Advance(PastShortExpiry);
            await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", default);
            Assert.Equal(v1.Package.Id, await oci.ResolveIdAsync("team/app", "v1"));
            var awaiting = await oci.ExpiredAsync("team/app", "v2");
            Assert.Equal(v2.Package.Id.ToString(), awaiting["package_id"]);
            Assert.Null(awaiting["deleted_at"]);
            Assert.Equal("v1", await oci.TagsAsync("team/app", null, null));
            Assert.Equal("", await oci.TagsAsync("team/pinned", null, null));

            // Deleted by GC: still answered as expired, now with when it was deleted. The repository whose only manifest
            // went leaves the catalog and its tag list is NAME_UNKNOWN.
            await store.Collector(TimeSpan.Zero).RunAsync(dryRun: false, "gc", default);
            Assert.NotNull((await oci.ExpiredAsync("team/app", "v2"))["deleted_at"]);
            Assert.Equal(pinnedNewer.Package.Id.ToString(), (await oci.ExpiredAsync("team/pinned", "x"))["package_id"]);
            Assert.NotNull((await oci.ExpiredAsync("gone/app", "1"))["deleted_at"]);
            Assert.Equal(OciErrorCodes.NameUnknown, await oci.TagsErrorAsync("gone/app"));
            Assert.Equal("team/app,team/pinned", await oci.CatalogAsync(null, null, default));

            // A new push of the expired tag names it again.
            var v2Again = await oci.PushAsync("team/app", "v2", "v2 again");
            Assert.Equal(v2Again.Package.Id, await oci.ResolveIdAsync("team/app", "v2"));
            Assert.Equal("v1,v2", await oci.TagsAsync("team/app", null, null));

            // Tombstones purged: a tag falls back to its newest push still recorded (the pinned one); a tag with no push
            // left is unknown, not expired.
            store.Time.Advance(store.Options.Gc.TombstoneRetention + TimeSpan.FromDays(1));
            var purged = (await store.Collector(TimeSpan.Zero).RunAsync(dryRun: false, "gc", default)).Value.TombstonesPurged;
            Assert.Contains(pinnedNewer.Package.Id, purged);
            Assert.Contains(v1First.Package.Id, purged);
            Assert.Equal(pinned.Package.Id, await oci.ResolveIdAsync("team/pinned", "x"));
            Assert.Equal("x", await oci.TagsAsync("team/pinned", null, null));
            var unknown = await oci.Registry.ResolveAsync("gone/app", "1", default);
            Assert.Equal(OciErrorCodes.ManifestUnknown, unknown.Error?.Code);
            Assert.False(unknown.Error?.Details?.ContainsKey("expired"));
            Assert.Equal(v2Again.Package.Id, await oci.ResolveIdAsync("team/app", "v2"));

            await store.AssertViewsMatchReplayAsync();
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task the_catalog_lists_repositories_with_a_live_manifest_in_byte_order_and_pages_and_a_package_that_only_looks_like_one_is_no_manifest()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var oci = new Oci(store);
            await oci.StoreBlobsAsync();
            // Byte order, not a locale's: '-' (0x2d) < '/' (0x2f) < '0' (0x30).
            foreach (var repository in new[] { "b/x", "a0", "a/b", "a-b", "a" })
            {
                await oci.PushAsync(repository, "1", repository);
            }

            await oci.PushAsync("a", "2", "a second manifest");
            Assert.True((await store.CreateAsync("plain", new Dictionary<string, string> { ["f"] = "not an image" })).IsSuccess);

            Assert.Equal("a,a-b,a/b,a0,b/x", await oci.CatalogAsync(null, null, default));
            Assert.Equal("a,a-b (more)", await oci.CatalogAsync(null, 2, default));
            Assert.Equal("a/b,a0 (more)", await oci.CatalogAsync("a-b", 2, default));
            Assert.Equal("b/x", await oci.CatalogAsync("a0", 2, default));
            Assert.Equal("", await oci.CatalogAsync("b/x", null, default));

            // Labels given through /v1 that name no manifest the package holds: not a manifest to pull, and no failure.
            Assert.True((await store.CreateAsync("fake/app", new Dictionary<string, string> { ["f"] = "x" },
                labels: [$"{OciRegistry.DigestLabel}=not-a-digest", $"{OciRegistry.TagLabel}=t"])).IsSuccess);
            Assert.Equal(OciErrorCodes.ManifestUnknown, (await oci.Registry.ResolveAsync("fake/app", "t", default)).Error?.Code);

            await store.AssertViewsMatchReplayAsync();
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_store_made_before_the_views_gets_them_on_open_with_the_answers_its_log_gives()
    {
        var store = await TestStore.OpenAsync(fixture);
        try
        {
            var oci = new Oci(store);
            await oci.StoreBlobsAsync();
            await oci.PushAsync("old/app", "v1", "v1 first", "short");
            await oci.PushAsync("old/app", "v1", "v1 second");
            await oci.PushAsync("old/app", "v2", "v2", "short");
            await oci.PushAsync("old/app", null, "by digest only");
            var pinned = await oci.PushAsync("old/pinned", "x", "pinned", "short");
            Assert.True((await store.Retention.SetPinnedAsync(pinned.Package.Id, true, "release", "tester", default)).IsSuccess);
            await oci.PushAsync("old/pinned", "x", "newer", "short");
            await oci.PushAsync("old/gone", "1", "only", "short");
            store.Time.Advance(PastShortExpiry);
            await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", default);
            await store.Collector(TimeSpan.Zero).RunAsync(dryRun: false, "gc", default);
            store.Time.Advance(store.Options.Gc.TombstoneRetention + TimeSpan.FromDays(1));
            Assert.NotEmpty((await store.Collector(TimeSpan.Zero).RunAsync(dryRun: false, "gc", default)).Value.TombstonesPurged);
            await oci.PushAsync("old/late", "1", "after the collection", "short");
            store.Time.Advance(PastShortExpiry);
            await store.Sweeper.RunAsync(null, dryRun: false, "sweeper", default);
            var before = await oci.AnswersAsync();

            // What a binary before the views left: the same tables without them, at schema 4.
            store = await ReopenAtOldSchemaAsync(store);
            oci = new Oci(store);
            Assert.Equal(before, await oci.AnswersAsync());
            Assert.Contains("old/app v1 -> ", before, StringComparison.Ordinal);
            await store.AssertViewsMatchReplayAsync();

            // And the views it got keep following the log.
            await oci.StoreBlobsAsync();
            await oci.PushAsync("old/gone", "1", "pushed again");
            Assert.Equal("1", await oci.TagsAsync("old/gone", null, null));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    private async Task<TestStore> ReopenAtOldSchemaAsync(TestStore store)
    {
        await store.CloseAsync();
        await fixture.ExecuteSqlAsync(store.Directory,
            $"DROP TABLE oci_tags; DROP TABLE oci_repositories; DELETE FROM schema_version WHERE version >= {ViewsSchemaVersion}", default);
        return await TestStore.OpenAsync(fixture, time: store.Time, directory: store.Directory);
    }

    /// <summary>A registry on the test store, with the config and layer every test manifest references.</summary>
    private sealed class Oci(TestStore store)
    {
        private readonly List<PackageFile> _blobs = [];

        public OciRegistry Registry { get; } = new(store.Database, store.Blobs, store.BlobReader, store.Packages, store.Options, store.Time);

        /// <summary>Stores the config and the layer (as files of a package, so they stay live) that manifests reference.</summary>
        public async Task StoreBlobsAsync()
        {
            var created = await store.CreateAsync("base/blobs", new Dictionary<string, string> { ["config"] = "{}", ["layer"] = "layer bytes" });
            _blobs.AddRange(created.Value.Package.Files.OrderBy(f => f.Path));
        }

        /// <summary>
        /// Pushes a manifest made distinct by <paramref name="marker"/>, by tag, or by its digest when <paramref name="tag"/>
        /// is null. The clock then moves a second, so that package ids (UUIDv7) order the pushes as they were made.
        /// </summary>
        public async Task<OciStoredManifest> PushAsync(string repository, string? tag, string marker, string? retentionClass = null)
        {
            var annotations = new Dictionary<string, string> { ["org.example.marker"] = marker };
            if (retentionClass is not null)
            {
                annotations[OciOptions.RetentionClassAnnotation] = retentionClass;
            }

            var bytes = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = OciMediaTypes.ImageManifest,
                ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", _blobs[0]),
                ["layers"] = new[] { Descriptor("application/vnd.oci.image.layer.v1.tar", _blobs[1]) },
                ["annotations"] = annotations,
            });
            var manifest = OciManifest.Parse(bytes, null).Value;
            var pushed = await Registry.PushAsync(repository, tag ?? manifest.Digest.ToString(), manifest, "tester", default);
            Assert.True(pushed.IsSuccess, pushed.Error?.ToString());
            store.Time.Advance(TimeSpan.FromSeconds(1));
            return pushed.Value;
        }

        public async Task<Guid> ResolveIdAsync(string repository, string tag)
        {
            var resolved = await Registry.ResolveAsync(repository, tag, default);
            Assert.True(resolved.IsSuccess, resolved.Error?.ToString());
            return resolved.Value.Package.Id;
        }

        /// <summary>The detail of the <c>MANIFEST_UNKNOWN</c> that says the tag expired.</summary>
        public async Task<IReadOnlyDictionary<string, object?>> ExpiredAsync(string repository, string tag)
        {
            var resolved = await Registry.ResolveAsync(repository, tag, default);
            Assert.Equal(OciErrorCodes.ManifestUnknown, resolved.Error?.Code);
            var detail = resolved.Error!.Details!;
            Assert.Equal(true, detail["expired"]);
            return detail;
        }

        /// <summary>A page of the tag list as text: the tags, and " (more)" when more follow.</summary>
        public async Task<string> TagsAsync(string repository, string? last, int? limit)
        {
            var tags = await Registry.TagsAsync(repository, last, limit, default);
            Assert.True(tags.IsSuccess, tags.Error?.ToString());
            return Show(tags.Value);
        }

        /// <summary>A page of the catalog as text, as <see cref="TagsAsync"/>.</summary>
        public async Task<string> CatalogAsync(string? last, int? limit, CancellationToken cancellationToken) =>
            Show(await Registry.CatalogAsync(last, limit, cancellationToken));

        public async Task<string?> TagsErrorAsync(string repository) => (await Registry.TagsAsync(repository, null, null, default)).Error?.Code;

        /// <summary>Everything the views answer for the repositories the migration test made, as text.</summary>
        public async Task<string> AnswersAsync()
        {
            var lines = new List<string> { "catalog: " + await CatalogAsync(null, null, default) };
            foreach (var repository in new[] { "old/app", "old/pinned", "old/gone", "old/late" })
            {
                var tags = await Registry.TagsAsync(repository, null, null, default);
                lines.Add($"{repository} tags: " + (tags.IsSuccess ? string.Join(",", tags.Value.Items) : tags.Error.Code));
                foreach (var tag in new[] { "v1", "v2", "x", "1" })
                {
                    var resolved = await Registry.ResolveAsync(repository, tag, default);
                    lines.Add($"{repository} {tag} -> " + (resolved.IsSuccess
                        ? resolved.Value.Package.Id.ToString()
                        : $"{resolved.Error.Code} {resolved.Error.Details?.GetValueOrDefault("package_id")} {resolved.Error.Details?.GetValueOrDefault("deleted_at")}"));
                }
            }

            return string.Join("\n", lines);
        }

        private static string Show(OciPage page) => string.Join(",", page.Items) + (page.More ? " (more)" : "");

        private static Dictionary<string, object> Descriptor(string mediaType, PackageFile file) =>
            new() { ["mediaType"] = mediaType, ["digest"] = file.Sha256.ToString(), ["size"] = file.Size };
    }
}
