using ArtifactStore.Core.Roots;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ArtifactStore.Server.Endpoints;

/// <summary><c>/health/live</c> (the process answers) and <c>/health/ready</c> (the store can take traffic).</summary>
public static class HealthEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/health/live", () => Results.Json(new { status = "live" }, JsonDefaults.Options));
        app.MapGet("/health/ready", ReadyAsync);
    }

    private static async Task<IResult> ReadyAsync(StoreRuntime store, CancellationToken cancellationToken)
    {
        var checks = new Dictionary<string, string?>
        {
            ["marker"] = CheckMarker(store),
            ["lock"] = File.Exists(store.Root.LockPath) ? null : "the lock file is gone",
            ["database"] = await CheckDatabaseAsync(store, cancellationToken),
            ["blob_store"] = CheckWritable(store.Root.TempDirectory),
        };
        var failing = checks.Where(c => c.Value is not null).ToDictionary(c => c.Key, c => c.Value);
        var body = new
        {
            status = failing.Count == 0 ? "ready" : "not_ready",
            profile = store.Root.Profile,
            store_id = store.Root.StoreId,
            revision = BuildInfo.Revision,
            checks = checks.ToDictionary(c => c.Key, c => c.Value ?? "ok"),
        };
        return Results.Json(body, JsonDefaults.Options, statusCode: failing.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static string? CheckMarker(StoreRuntime store)
    {
        var marker = RootMarker.TryRead(Path.Combine(store.Root.Path, RootMarker.FileName), out var problem);
        if (marker is null)
        {
            return $"the marker cannot be read: {problem}";
        }

        return marker.Profile == store.Root.Profile && marker.StoreId == store.Root.StoreId
            ? null
            : "the marker no longer matches the opened root";
    }

    private static async Task<string?> CheckDatabaseAsync(StoreRuntime store, CancellationToken cancellationToken)
    {
        try
        {
            _ = await store.Database.Views.GetHeadSeqAsync(cancellationToken);
            return null;
        }
        catch (Exception e)
        {
            return $"the database does not answer: {e.Message}";
        }
    }

    private static string? CheckWritable(string directory)
    {
        try
        {
            var probe = Path.Combine(directory, ".ready-probe-" + Guid.NewGuid().ToString("N"));
            File.WriteAllBytes(probe, [1]);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot write to {directory}: {e.Message}";
        }
    }
}
