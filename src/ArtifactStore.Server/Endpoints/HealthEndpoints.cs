using ArtifactStore.Contract;
using ArtifactStore.Core.Time;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ArtifactStore.Server.Endpoints;

/// <summary>
/// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (the store can take traffic:
/// every readiness check passes). Both are <see cref="PublicEndpoint"/>s: neither needs a token, and neither
/// is gated by readiness. The readiness answer names every check and whether it passes for anyone; the
/// problems, remedies, details (paths, pid, disk figures) and the store's identity only for callers that
/// <see cref="AnonymousAccess.MaySeeDetails"/> lets see them.
/// </summary>
public static class HealthEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var publicEndpoint = new PublicEndpoint();
        app.MapGet("/health/live", () => Results.Json(new LivenessDocument("live"), JsonDefaults.Options)).WithMetadata(publicEndpoint)
            .Produces<LivenessDocument>();
        app.MapGet("/health/ready", ReadyAsync).WithMetadata(publicEndpoint)
            .Produces<ReadinessDocument>().Produces<ReadinessDocument>(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<IResult> ReadyAsync(HttpContext context, StoreRuntime store, ReadinessMonitor monitor, CancellationToken cancellationToken)
    {
        // Asking is a reason to look again: the answer is never older than this request.
        var report = await monitor.RefreshAsync(cancellationToken);
        var status = report.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        var readiness = report.IsReady ? "ready" : "not_ready";
        var checkedAt = Rfc3339.ToText(report.CheckedAt);
        if (!AnonymousAccess.MaySeeDetails(context, authenticated: await IsAuthenticatedAsync(context)))
        {
            return Results.Json(new ReadinessDocument(readiness, checkedAt,
                report.Checks.ToDictionary(c => c.Name, c => c.IsOk ? "ok" : "failing", StringComparer.Ordinal)), JsonDefaults.Options, statusCode: status);
        }

        var body = new ReadinessDocument(readiness, checkedAt, report.Checks.ToDictionary(c => c.Name, c => c.Problem ?? "ok", StringComparer.Ordinal))
        {
            Profile = store.Root.Profile,
            StoreId = store.StoreId,
            Version = BuildInfo.Version,
            Revision = BuildInfo.Revision,
            Remedies = report.Failing.ToDictionary(c => c.Name, c => c.Remedy, StringComparer.Ordinal),
            Details = report.Checks.Where(c => c.Detail is not null).ToDictionary(c => c.Name, c => c.Detail, StringComparer.Ordinal),
        };
        return Results.Json(body, JsonDefaults.Options, statusCode: status);
    }

    /// <summary>
    /// Whether the caller sent an active token. A store whose database does not answer cannot tell, and the
    /// readiness answer must not fail because of it: the caller then counts as anonymous.
    /// </summary>
    private static async Task<bool> IsAuthenticatedAsync(HttpContext context)
    {
        try
        {
            return await Authentication.TokenOfAsync(context) is not null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return false;
        }
    }
}
