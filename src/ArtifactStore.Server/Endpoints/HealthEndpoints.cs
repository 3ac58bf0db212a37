using ArtifactStore.Core.Time;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ArtifactStore.Server.Endpoints;

/// <summary>
/// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (the store can take traffic:
/// every readiness check passes). Neither needs a token, and neither is gated by readiness.
/// </summary>
public static class HealthEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/health/live", () => Results.Json(new { status = "live" }, JsonDefaults.Options));
        app.MapGet("/health/ready", ReadyAsync);
    }

    private static async Task<IResult> ReadyAsync(StoreRuntime store, ReadinessMonitor monitor, CancellationToken cancellationToken)
    {
        // Asking is a reason to look again: the answer is never older than this request.
        var report = await monitor.RefreshAsync(cancellationToken);
        var body = new Dictionary<string, object?>
        {
            ["status"] = report.IsReady ? "ready" : "not_ready",
            ["profile"] = store.Root.Profile,
            ["store_id"] = store.Root.StoreId,
            ["version"] = BuildInfo.Version,
            ["revision"] = BuildInfo.Revision,
            ["checked_at"] = Rfc3339.ToText(report.CheckedAt),
            ["checks"] = report.Checks.ToDictionary(c => c.Name, c => c.Problem ?? "ok", StringComparer.Ordinal),
            ["remedies"] = report.Failing.ToDictionary(c => c.Name, c => c.Remedy, StringComparer.Ordinal),
            ["details"] = report.Checks.Where(c => c.Detail is not null).ToDictionary(c => c.Name, c => c.Detail, StringComparer.Ordinal),
        };
        return Results.Json(body, JsonDefaults.Options, statusCode: report.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
