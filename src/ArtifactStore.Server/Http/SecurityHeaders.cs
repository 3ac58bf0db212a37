using ArtifactStore.Server.Dashboard;
using Microsoft.AspNetCore.Http;

namespace ArtifactStore.Server.Http;

/// <summary>
/// Headers every response carries (docs/security.md, "Serving user content"), and the dashboard's content security
/// policy on its pages. Added when the response starts, so error answers written after <c>Response.Clear()</c> get
/// them too.
/// </summary>
public static class SecurityHeaders
{
    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        context.Response.OnStarting(static state =>
        {
            var response = (HttpResponse)state;

            // Browsers must trust the declared type: a stored file is never sniffed into HTML or script.
            response.Headers.XContentTypeOptions = "nosniff";
            if (response.HttpContext.GetEndpoint()?.Metadata.GetMetadata<DashboardPage>() is not null)
            {
                Dashboard(response.Headers);
            }

            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    }

    /// <summary>
    /// The dashboard's policy (docs/dashboard.md, "Security headers"): its pages load only their own stylesheet and
    /// script (no inline script or style, no other origin), post forms only to themselves, and are never framed. A
    /// download that already set its own (sandboxing) policy keeps it.
    /// </summary>
    public const string DashboardPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static void Dashboard(IHeaderDictionary headers)
    {
        if (string.IsNullOrEmpty(headers.ContentSecurityPolicy))
        {
            headers.ContentSecurityPolicy = DashboardPolicy;
        }

        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin";
        headers.CacheControl = string.IsNullOrEmpty(headers.CacheControl) ? "no-store" : headers.CacheControl;
    }
}
