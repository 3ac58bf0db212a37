using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Oci;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Roots;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Bench;

/// <summary>
/// <c>oci-tags [pushes] [rounds]</c>: a tag list and a pull by tag of one repository that CI has pushed to many times
/// (default 2,000 pushes over ten branch tags, plus one tag pushed once, first), in-process on an embedded store.
/// "Before" is the registry's code before the tag and catalog views (docs/oci.md), kept here: the tag list pages
/// through every live package of the repository, a pull by tag reads the newest live and the newest deleted package
/// carrying the tag label. "After" is <see cref="OciRegistry"/> as it is. Interleaved rounds, medians, the ratio.
/// </summary>
internal static class OciTagsBenchmark
{
    private const string Repository = "bench/app";
    private const string OldTag = "v0.1";

    public static async Task<int> RunAsync(string[] args)
    {
        var pushes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var root = Path.Combine(Path.GetTempPath(), "as-bench-oci-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new StoreOptions { DataRoot = root };
            var backend = new Embedded.EmbeddedBackend();
            using var dataRoot = DataRoot.OpenOrCreate(root, options.Profile, "bench", TimeProvider.System, backend.Layout).Value;
            var parts = (await backend.OpenAsync(dataRoot, TimeProvider.System, CancellationToken.None)).Value;
            await using var database = parts.Database;
            var blobs = new InlineBlobStore(parts.Blobs, database.Views); // as the server composes it
            var packages = new PackageService(database, blobs, options, TimeProvider.System);
            var registry = new OciRegistry(database, blobs, new BlobReader(blobs), packages, options, TimeProvider.System);

            var seeding = Stopwatch.StartNew();
            await SeedAsync(packages, registry, pushes);
            Console.WriteLine($"oci-tags: {pushes} pushes to {Repository} over 11 tags seeded in {seeding.Elapsed.TotalSeconds:F1} s; {rounds} interleaved rounds");

            var before = new Before(database.Views);
            var expectedTags = string.Join(",", (await before.TagsAsync()));
            var afterTags = string.Join(",", (await registry.TagsAsync(Repository, null, null, CancellationToken.None)).Value.Items);
            if (expectedTags != afterTags || await before.ResolveAsync(OldTag) != (await registry.ResolveAsync(Repository, OldTag, CancellationToken.None)).Value.Package.Id)
            {
                Console.Error.WriteLine($"oci-tags: before and after disagree: [{expectedTags}] vs [{afterTags}]");
                return 1;
            }

            var operations = new (string Name, Func<Task> Before, Func<Task> After)[]
            {
                ("tags/list", () => before.TagsAsync(), () => registry.TagsAsync(Repository, null, null, CancellationToken.None)),
                ($"pull by tag ({OldTag}, pushed first)", () => before.ResolveAsync(OldTag), () => registry.ResolveAsync(Repository, OldTag, CancellationToken.None)),
                ("pull by tag (branch-3, pushed last)", () => before.ResolveAsync("branch-3"), () => registry.ResolveAsync(Repository, "branch-3", CancellationToken.None)),
            };
            Console.WriteLine();
            Console.WriteLine($"{"operation",-36} {"before ms",10} {"after ms",10} {"before/after",13}");
            foreach (var (name, runBefore, runAfter) in operations)
            {
                var beforeTimes = new List<double>();
                var afterTimes = new List<double>();
                for (var round = 0; round < rounds; round++)
                {
                    beforeTimes.Add(await TimeAsync(runBefore));
                    afterTimes.Add(await TimeAsync(runAfter));
                }

                var b = Median(beforeTimes);
                var a = Median(afterTimes);
                Console.WriteLine($"{name,-36} {b,10:F3} {a,10:F3} {b / a,12:F1}x");
            }

            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The mean of one operation over enough calls to take about 200 ms (at least 3), in milliseconds.</summary>
    private static async Task<double> TimeAsync(Func<Task> operation)
    {
        await operation(); // warm
        var calls = 0;
        var watch = Stopwatch.StartNew();
        while (calls < 3 || watch.ElapsedMilliseconds < 200)
        {
            await operation();
            calls++;
        }

        return watch.Elapsed.TotalMilliseconds / calls;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>A config and a layer, then <paramref name="pushes"/> manifests: one tagged <see cref="OldTag"/>, the rest over ten branch tags.</summary>
    private static async Task SeedAsync(PackageService packages, OciRegistry registry, int pushes)
    {
        await using var upload = packages.BeginUpload();
        _ = upload.AddField("name", "bench/blobs");
        _ = await upload.AddFileAsync("config", "application/json", new MemoryStream(Encoding.UTF8.GetBytes("{}")), CancellationToken.None);
        _ = await upload.AddFileAsync("layer", "application/octet-stream", new MemoryStream(Encoding.UTF8.GetBytes("layer bytes")), CancellationToken.None);
        var files = (await packages.CreateAsync(upload, "bench", null, CancellationToken.None)).Value.Package.Files.OrderBy(f => f.Path).ToList();
        for (var i = 0; i < pushes; i++)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = OciMediaTypes.ImageManifest,
                ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", files[0]),
                ["layers"] = new[] { Descriptor("application/vnd.oci.image.layer.v1.tar", files[1]) },
                ["annotations"] = new Dictionary<string, string> { ["org.example.build"] = i.ToString(CultureInfo.InvariantCulture) },
            });
            var tag = i == 0 ? OldTag : $"branch-{i % 10}";
            var pushed = await registry.PushAsync(Repository, tag, OciManifest.Parse(bytes, null).Value, "bench", CancellationToken.None);
            if (!pushed.IsSuccess)
            {
                throw new InvalidOperationException(pushed.Error.ToString());
            }
        }
    }

    private static Dictionary<string, object> Descriptor(string mediaType, PackageFile file) =>
        new() { ["mediaType"] = mediaType, ["digest"] = file.Sha256.ToString(), ["size"] = file.Size };

    /// <summary>The registry's reads before the views, as they were: package listings filtered by label.</summary>
    private sealed class Before(IViewQueries views)
    {
        private const int PageSize = 1000;

        public async Task<List<string>> TagsAsync()
        {
            var tags = new SortedSet<string>(StringComparer.Ordinal);
            Guid? cursor = null;
            do
            {
                var page = await views.ListPackagesAsync(new PackageQuery(Repository, [], PackageState.Live, cursor, PageSize), CancellationToken.None);
                foreach (var package in page.Items)
                {
                    if (package.Labels.FirstOrDefault(l => l.Key == OciRegistry.TagLabel) is { Key: not null } tag && !package.Retention.EligibleForDeletion)
                    {
                        tags.Add(tag.Value);
                    }
                }

                cursor = page.Next;
            }
            while (cursor is not null);

            return [.. tags];
        }

        public async Task<Guid?> ResolveAsync(string tag)
        {
            var label = KeyValuePair.Create(OciRegistry.TagLabel, tag);
            var live = (await views.ListPackagesAsync(new PackageQuery(Repository, [label], PackageState.Live, null, 1), CancellationToken.None)).Items;
            var deleted = (await views.ListPackagesAsync(new PackageQuery(Repository, [label], PackageState.Deleted, null, 1), CancellationToken.None)).Items;
            return deleted.Count > 0 && (live.Count == 0 || deleted[0].CreatedAt > live[0].CreatedAt) ? deleted[0].Id
                : live.Count > 0 ? live[0].Id : null;
        }
    }
}
