using ArtifactStore.Core.Errors;
using ArtifactStore.Server.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ArtifactStore.Server.Http;

/// <summary>
/// Until the store is ready, every request is answered 503 <c>not_ready</c> naming the failing checks
/// (docs/recovery.md, "Readiness"), except those routed to a <see cref="PublicEndpoint"/> (<c>/health/*</c>).
/// It runs after routing and decides by the endpoint that was matched, so no spelling of a path (routing
/// ignores case) and no endpoint added later can slip past it. It reads the readiness monitor's last
/// report, so it costs no disk access per request. The problems of the failing checks may name paths, so
/// only loopback callers get them; others get the check names.
/// </summary>
public static class ReadinessGate
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<PublicEndpoint>() is not null)
        {
            await next(context);
            return;
        }

        var report = context.RequestServices.GetRequiredService<ReadinessMonitor>().Last;
        if (report.IsReady)
        {
            await next(context);
            return;
        }

        context.Response.Headers.RetryAfter = "5";
        var detailed = AnonymousAccess.MaySeeDetails(context, authenticated: false);
        var failing = report.Failing.ToDictionary(c => c.Name, c => (object?)(detailed ? c.Problem : "failing"), StringComparer.Ordinal);
        var detail = detailed ? $"the store is not ready ({string.Join(", ", failing.Keys)}): {report.Summary}" : $"the store is not ready ({string.Join(", ", failing.Keys)})";
        await Problems.WriteAsync(context, new StoreError(ErrorCodes.NotReady, detail,
            new Dictionary<string, object?> { ["failing_checks"] = failing }));
    }
}
