using ArtifactStore.Core.Errors;
using ArtifactStore.Server.Dashboard;
using ArtifactStore.Server.Endpoints;
using ArtifactStore.Server.Http;
using ArtifactStore.Server.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ArtifactStore.Server.Hosting;

/// <summary>Builds the HTTP server around an opened <see cref="StoreRuntime"/>.</summary>
public static class ServerApp
{
    /// <param name="store">The opened store.</param>
    /// <param name="urls">Where to listen.</param>
    /// <param name="backgroundWork">Run the sweeper and GC on their intervals (off in tests that drive them by hand).</param>
    /// <param name="logging">Extra logging set-up.</param>
    /// <param name="allowAnonymous"><c>--allow-anonymous</c>: an open store may listen beyond loopback (<see cref="AnonymousAccess"/>).</param>
    public static WebApplication Build(StoreRuntime store, string urls, bool backgroundWork = true, Action<ILoggingBuilder>? logging = null, bool allowAnonymous = false)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.MaxRequestHeaderCount = 64;
        });
        // Larger receive buffers than Kestrel's 4 KiB: large uploads cost far less CPU per byte (ReceiveBufferPool).
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>, ReceiveBufferPool.Factory>();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
            o.IncludeScopes = true;
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        // ASP.NET Core's hosting logs nothing above Information, yet while its logger is enabled at all it opens a log
        // scope and starts an Activity for every request: about 6 % of a small write's CPU. The store's own request
        // scope (the request id) and its error lines stay (docs/performance.md, "Server CPU per small write").
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);

        // The host logs a failed start (a busy port) with the whole stack trace; the exception still reaches
        // the caller, and 'serve' answers it with one line (ServeCommand).
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        logging?.Invoke(builder.Logging);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(new AnonymousAccess(allowAnonymous));
        // SIGTERM: Kestrel stops accepting, in-flight requests get this long to finish, then are cut off.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = store.Options.ShutdownGracePeriod);
        builder.Services.AddSingleton<ReadinessMonitor>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ReadinessMonitor>());
        if (backgroundWork)
        {
            builder.Services.AddHostedService<RetentionScheduler>();
        }

        builder.Services.AddHostedService<JobWorkers>();
        builder.Services.AddSingleton(services => new EventFeed(store.Database, store.Options.Events,
            services.GetRequiredService<ILoggerFactory>().CreateLogger<EventFeed>()));

        builder.Services.ConfigureHttpJsonOptions(o => JsonDefaults.Configure(o.SerializerOptions));
        DashboardSetup.AddDashboard(builder.Services);
        ApiReference.AddTo(builder.Services);
        MetricsEndpoint.AddTo(builder.Services);

        var app = builder.Build();
        store.Recovery.Logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<StartupRecovery>();
        var readiness = app.Services.GetRequiredService<ReadinessMonitor>();
        app.Lifetime.ApplicationStopping.Register(readiness.MarkStopping);
        app.Use(SecurityHeaders.InvokeAsync);
        app.Use(MetricsEndpoint.CountAsync);
        // One logger for every request (a logger per request cost a lookup under the factory's lock).
        var httpLogger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ArtifactStore.Http");
        app.Use((context, next) => RequestScopeAsync(context, next, httpLogger));
        // Inside the request scope (so problems carry the request id), outside routing (so 404 and 405 get documents too).
        app.Use(ProblemResponses.InvokeAsync);
        app.UseRouting();
        // After routing, so both decide by the endpoint matched, not by how the path is spelled.
        // Before authentication: a store that is not ready may not even reach its token table.
        app.Use(ReadinessGate.InvokeAsync);
        app.Use(Authentication.InvokeAsync);
        DashboardSetup.UseDashboardMiddleware(app);
        MapEndpoints(app);
        DashboardSetup.MapDashboard(app);
        ApiReference.Map(app);
        MetricsEndpoint.Map(app, store.Options.Metrics.AllowAnonymous);

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            // What Kestrel actually bound decides whether the store may be open (never the configured text).
            var addresses = Addresses(app);
            app.Services.GetRequiredService<AnonymousAccess>().Bound(addresses);

            // Tell the lock file where we listen, so commands run against this root can reach us.
            store.Root.DescribeHolder(addresses.Count > 0 ? addresses[0] : null);
        });
        return app;
    }

    /// <summary>
    /// Maps every endpoint of the API. A path nothing maps is answered 404 <c>not_found</c> (and a mapped
    /// path with another method 405 <c>method_not_allowed</c>) by <see cref="ProblemResponses"/>: no
    /// fallback route, whose pattern would skip paths that look like file names (<c>/v1/x.json</c>).
    /// </summary>
    public static void MapEndpoints(IEndpointRouteBuilder app)
    {
        HealthEndpoints.Map(app);
        PackageEndpoints.Map(app);
        RetentionEndpoints.Map(app);
        AdminEndpoints.Map(app);
        BlobEndpoints.Map(app);
        UploadEndpoints.Map(app);
        EventEndpoints.Map(app);
        EventStreamEndpoints.Map(app);
        JobEndpoints.Map(app);
        OciEndpoints.Map(app);
    }

    /// <summary>
    /// Runs the store's startup recovery once the server listens, then re-evaluates readiness so that
    /// traffic is let in as soon as it has finished. Stops early when the server shuts down.
    /// </summary>
    public static async Task RecoverAsync(WebApplication app, CancellationToken cancellationToken)
    {
        var store = app.Services.GetRequiredService<StoreRuntime>();
        await store.Recovery.RunAsync(cancellationToken);
        if (!cancellationToken.IsCancellationRequested)
        {
            await app.Services.GetRequiredService<ReadinessMonitor>().RefreshAsync(cancellationToken);
        }
    }

    /// <summary>Who may call without a token, decided from the bound addresses (<see cref="AnonymousAccess"/>).</summary>
    public static AnonymousAccess Access(WebApplication app) => app.Services.GetRequiredService<AnonymousAccess>();

    /// <summary>The addresses Kestrel actually bound (useful with port 0).</summary>
    public static IReadOnlyList<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    private static async Task RequestScopeAsync(HttpContext context, RequestDelegate next, ILogger logger)
    {
        var requestId = RequestIds.Assign(context);
        using var scope = logger.BeginScope("request {RequestId}", requestId);
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            // The one place a failure becomes an answer: a full disk, wherever it was met (the database's
            // commit, a blob being staged, a job's directory), is 507 on every endpoint; storage that does not
            // answer (an object store that is down) is 503; the rest is 500.
            StoreError error;
            if (StorageFull.IsCause(e))
            {
                error = StorageFull.Error;
                logger.LogWarning("Request {Method} {Path} refused: {Problem}", context.Request.Method, context.Request.Path, e.Message);
            }
            else if (StorageUnavailable.IsCause(e))
            {
                // An object store that is down or timing out: the client may retry later; nothing was recorded.
                error = StorageUnavailable.Error;
                logger.LogWarning("Request {Method} {Path} refused: {Problem}", context.Request.Method, context.Request.Path, e.Message);
            }
            else
            {
                error = new StoreError(ErrorCodes.Internal, "the store failed to handle this request; see the server log for the request id");
                logger.LogError(e, "Request {Method} {Path} failed", context.Request.Method, context.Request.Path);
            }

            context.Response.Clear();
            // The answer must reach a client that is still sending its upload (UnreadBody).
            await UnreadBody.DiscardAsync(context);
            await Problems.WriteAsync(context, error);
        }
    }
}
