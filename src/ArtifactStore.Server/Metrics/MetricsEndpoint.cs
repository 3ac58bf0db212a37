using ArtifactStore.Core.Security;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace ArtifactStore.Server.Metrics;

/// <summary>
/// Prometheus metrics at <c>/metrics</c> (docs/metrics.md). Each server has its own registry, so two servers in
/// one process (tests) do not share HTTP series. Reading it is a read like any other (reader role once tokens
/// exist, held until ready) unless <c>Metrics:AllowAnonymous</c> makes it a public endpoint.
/// </summary>
public static class MetricsEndpoint
{
    public static void AddTo(IServiceCollection services)
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        services.AddSingleton(registry);
        services.AddSingleton(new HttpMetrics(factory));
        services.AddSingleton(new StoreMeterBridge(factory));
        services.AddSingleton(provider => new StoreGauges(factory, provider.GetRequiredService<StoreRuntime>(), provider.GetRequiredService<ReadinessMonitor>()));
    }

    /// <summary>Counts and times every request; goes outside routing and the problem middleware.</summary>
    public static Task CountAsync(HttpContext context, RequestDelegate next) =>
        context.RequestServices.GetRequiredService<HttpMetrics>().InvokeAsync(context, next);

    public static void Map(IEndpointRouteBuilder app, bool allowAnonymous)
    {
        var registry = app.ServiceProvider.GetRequiredService<CollectorRegistry>();
        var gauges = app.ServiceProvider.GetRequiredService<StoreGauges>();
        _ = app.ServiceProvider.GetRequiredService<StoreMeterBridge>();
        registry.AddBeforeCollectCallback(gauges.UpdateAsync);
        var endpoint = app.MapMetrics("/metrics", registry);
        endpoint.WithMetadata(allowAnonymous ? new PublicEndpoint() : new RequiredRole(Role.Reader));
    }
}
