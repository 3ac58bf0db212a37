using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Prometheus;

namespace ArtifactStore.Server.Metrics;

/// <summary>
/// Counts requests and times them by method, route and status. The route is the pattern routing matched
/// (<c>/v1/packages/{id}</c>), never the path, so ids do not multiply the series; a request no endpoint
/// matched counts as <c>unmatched</c>. Runs outside routing, so the status is the one the client got,
/// problem answers included.
/// </summary>
internal sealed class HttpMetrics(IMetricFactory factory)
{
    private static readonly string[] Labels = ["method", "route", "status"];

    private readonly Counter _requests = factory.CreateCounter("artifactstore_http_requests_total", "HTTP requests answered, by method, route and status.", Labels);

    private readonly Histogram _duration = factory.CreateHistogram("artifactstore_http_request_duration_seconds",
        "Time from receiving a request to its answer being complete, by method, route and status.", Labels);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            string[] values = [context.Request.Method, route, context.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)];
            _requests.WithLabels(values).Inc();
            _duration.WithLabels(values).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }
}
