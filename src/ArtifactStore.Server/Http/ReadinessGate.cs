using ArtifactStore.Core.Errors;
using ArtifactStore.Server.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ArtifactStore.Server.Http;

/// <summary>
/// Until the store is ready, every API request (<c>/v1/…</c>) is answered 503 <c>not_ready</c>
/// naming the failing checks (docs/recovery.md, "Readiness"). <c>/health/*</c> is never gated. The gate reads the readiness
/// monitor's last report, so it costs no disk access per request.
/// </summary>
public static class ReadinessGate
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal))
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
        var failing = report.Failing.ToDictionary(c => c.Name, c => (object?)c.Problem, StringComparer.Ordinal);
        await Problems.WriteAsync(context, new StoreError(ErrorCodes.NotReady,
            $"the store is not ready ({string.Join(", ", failing.Keys)}): {report.Summary}",
            new Dictionary<string, object?> { ["failing_checks"] = failing }));
    }
}
