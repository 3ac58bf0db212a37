using System.Net;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Server.Dashboard;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Authentication;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// ASP.NET Core's authentication and authorization middleware run for dashboard routes only (DashboardSetup): an API
/// request does not pay for middleware that neither the store's tokens nor the dashboard's session use. Two probe
/// endpoints, one an API route and one marked as a dashboard page, report what ran before them.
/// </summary>
public sealed class DashboardMiddlewareTests
{
    [Fact]
    public async Task authentication_and_authorization_middleware_run_for_dashboard_routes_and_not_for_the_api()
    {
        using var temp = new TempDirectory();
        var opened = await StoreRuntime.OpenAsync(new StoreOptions { DataRoot = temp.Combine("root") });
        await using var store = opened.Value;
        await using var app = ServerApp.Build(store, ServerProcess.LoopbackAnyPort, backgroundWork: false);
        app.MapGet("/v1/probe-middleware", Ran).WithMetadata(new PublicEndpoint());
        app.MapGet("/probe-middleware", Ran).WithMetadata(new DashboardPage(), new PublicEndpoint());
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(ServerApp.Addresses(app)[0] + "/") };

        Assert.Equal("authentication=True authorization=True", await http.GetStringAsync(new Uri("probe-middleware", UriKind.Relative)));
        Assert.Equal("authentication=False authorization=False", await http.GetStringAsync(new Uri("v1/probe-middleware", UriKind.Relative)));

        // A dashboard page still renders through them (the health page answers before the store is ready).
        using var health = await http.GetAsync(new Uri("health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        await app.StopAsync();
    }

    // AuthenticationMiddleware sets the authentication feature; AuthorizationMiddleware marks a request it saw with an endpoint.
    private static string Ran(HttpContext context) =>
        $"authentication={context.Features.Get<IAuthenticationFeature>() is not null} " +
        $"authorization={context.Items.ContainsKey("__AuthorizationMiddlewareWithEndpointInvoked")}";
}
