using System.Net;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// Downloads answer from an in-memory cache of live packages' files (docs/upload.md, "Reading back"); on a real
/// server, a package deleted by GC after its files were cached answers exactly as without the cache.
/// </summary>
public sealed class DownloadLookupCacheTests
{
    private const string Config = """
        { "Retention": { "Classes": { "short": { "Duration": "00:00:02" } }, "SweepInterval": "1.00:00:00" },
          "Gc": { "BlobGracePeriod": "00:00:00", "Interval": "1.00:00:00" },
          "Tombstones": { "Retention": "00:00:02" } }
        """;

    [Fact]
    public async Task a_file_downloaded_before_its_package_was_deleted_answers_expired_then_not_found_never_its_old_bytes()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"), StoreFiles.Config(temp, Config));
        // The same bytes stay stored for the keeper, so a stale lookup would still find them and answer 200.
        var shared = "kept by another package"u8.ToArray();
        var (_, doomed) = await Api.PostPackageAsync(server.Http, Api.Form("doomed", Api.Files(("a.txt", shared)), "retention_class", "short"));
        var (_, keeper) = await Api.PostPackageAsync(server.Http, Api.Form("keeper", Api.Files(("a.txt", shared))));
        var id = doomed.GetProperty("id").GetString()!;
        var keeperId = keeper.GetProperty("id").GetString()!;
        Assert.Equal(shared, await Api.DownloadAsync(server.Http, id, "a.txt"));
        Assert.Equal(shared, await Api.DownloadAsync(server.Http, id, "a.txt"));

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var (swept, _) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/retention/sweep");
        Assert.Equal(HttpStatusCode.OK, swept);
        Assert.Equal(shared, await Api.DownloadAsync(server.Http, id, "a.txt")); // eligible is still live

        var (_, gc) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/gc");
        Assert.Equal(id, Assert.Single(gc.GetProperty("packages_deleted").EnumerateArray()).GetProperty("package_id").GetString());

        var (packageStatus, packageProblem) = await Api.GetJsonAsync(server.Http, $"v1/packages/{id}");
        var (fileStatus, fileProblem) = await Api.GetJsonAsync(server.Http, $"v1/packages/{id}/files/a.txt");
        Assert.Equal(HttpStatusCode.NotFound, packageStatus);
        Assert.Equal(packageStatus, fileStatus);
        Assert.Equal("package_expired", fileProblem.GetProperty("code").GetString());
        Assert.Equal(packageProblem.GetProperty("detail").GetString(), fileProblem.GetProperty("detail").GetString());
        using (var headRequest = new HttpRequestMessage(HttpMethod.Head, $"v1/packages/{id}/files/a.txt"))
        using (var head = await server.Http.SendAsync(headRequest))
        {
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        }

        Assert.Equal(shared, await Api.DownloadAsync(server.Http, keeperId, "a.txt"));

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var (_, purge) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/gc");
        Assert.Equal(id, Assert.Single(purge.GetProperty("tombstones_purged").EnumerateArray()).GetString());
        var (goneStatus, gone) = await Api.GetJsonAsync(server.Http, $"v1/packages/{id}/files/a.txt");
        Assert.Equal(HttpStatusCode.NotFound, goneStatus);
        Assert.Equal("package_not_found", gone.GetProperty("code").GetString());
    }
}
