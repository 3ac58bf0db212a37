using System.Reflection;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ArtifactStore.Server.Dashboard;

/// <summary>
/// Wires the web dashboard (docs/dashboard.md) into the server: Razor Pages from <c>Dashboard/Pages</c>, the
/// session filter, antiforgery, and the two static assets. Every page and asset carries <see cref="DashboardPage"/>.
/// </summary>
public static class DashboardSetup
{
    /// <summary>Form field and cookie of ASP.NET Core's antiforgery tokens.</summary>
    public const string AntiforgeryCookie = "artifactstore_csrf";

    public static void AddDashboard(IServiceCollection services)
    {
        // Antiforgery tokens are protected with keys that live in memory only (MemoryKeyRepository): nothing secret is
        // written to disk, so there is nothing to encrypt at rest.
        services.AddDataProtection();
        services.Configure<KeyManagementOptions>(o =>
        {
            o.XmlRepository = new MemoryKeyRepository();
            o.XmlEncryptor = new NullXmlEncryptor();
        });
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = AntiforgeryCookie;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
        });
        services.AddRazorPages(o =>
            {
                o.RootDirectory = "/Dashboard/Pages";
                o.Conventions.ConfigureFilter(new DashboardAccessFilter());

                // The health page answers while the store is not ready: that is when it is needed.
                o.Conventions.AddPageApplicationModelConvention("/Health", m => m.EndpointMetadata.Add(new PublicEndpoint()));
            })
            .ConfigureApplicationPartManager(parts =>
            {
                // The host's entry assembly is the CLI, so MVC would not look here by itself: add this assembly's parts
                // (its page models and its compiled Razor items), once.
                var assembly = typeof(DashboardSetup).Assembly;
                if (!parts.ApplicationParts.OfType<AssemblyPart>().Any(p => p.Assembly == assembly))
                {
                    foreach (var part in ApplicationPartFactory.GetApplicationPartFactory(assembly).GetApplicationParts(assembly))
                    {
                        parts.ApplicationParts.Add(part);
                    }
                }
            });
    }

    public static void MapDashboard(IEndpointRouteBuilder app)
    {
        var page = new DashboardPage();
        app.MapRazorPages().WithMetadata(page);
        foreach (var (name, type) in new[] { ("dashboard.css", "text/css; charset=utf-8"), ("dashboard.js", "text/javascript; charset=utf-8") })
        {
            var bytes = Asset(name);
            app.MapGet("/assets/" + name, () => Results.Bytes(bytes, type))
                .WithMetadata(page, new PublicEndpoint());
        }
    }

    /// <summary>
    /// Runs ASP.NET Core's authentication, authorization and antiforgery middleware for dashboard routes only. The host
    /// puts each in front of every request once its services are registered (Razor Pages and antiforgery bring them),
    /// where, ahead of routing, they find no endpoint and do nothing but cost each API request its share of a small
    /// write's CPU (docs/performance.md, "Server CPU per small write: the HTTP side, again"). The API authenticates with
    /// the store's tokens (<see cref="Authentication"/>), the dashboard with its session (<see cref="DashboardSession"/>);
    /// neither uses them. Call after routing, so the matched endpoint decides, not how the path is spelled.
    /// </summary>
    public static void UseDashboardMiddleware(WebApplication app)
    {
        var services = app.Services.GetRequiredService<IServiceProviderIsService>();
        var authentication = services.IsService(typeof(IAuthenticationSchemeProvider));
        var authorization = services.IsService(typeof(IAuthorizationHandlerProvider));
        var antiforgery = services.IsService(typeof(IAntiforgery));
        app.UseWhen(IsDashboard, dashboard =>
        {
            if (authentication)
            {
                dashboard.UseAuthentication();
            }

            if (authorization)
            {
                dashboard.UseAuthorization();
            }

            if (antiforgery)
            {
                dashboard.UseAntiforgery();
            }
        });

        // The keys the host looks for before adding each of them to every request ("placed already"); the branch's own
        // builder sets them on a copy of these properties only.
        foreach (var key in new[] { "__AuthenticationMiddlewareSet", "__AuthorizationMiddlewareSet", "__AntiforgeryMiddlewareSet" })
        {
            ((IApplicationBuilder)app).Properties[key] = true;
        }
    }

    /// <summary>Whether the request was routed to a dashboard page or asset.</summary>
    public static bool IsDashboard(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<DashboardPage>() is not null;

    private static byte[] Asset(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("dashboard/" + name)
            ?? throw new InvalidOperationException($"the dashboard asset {name} is missing from the build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
