using Microsoft.AspNetCore.Http;

namespace ArtifactStore.Server.Http;

/// <summary>
/// Headers every response carries (docs/security.md, "Serving user content"). Added when the response
/// starts, so error answers written after <c>Response.Clear()</c> get them too.
/// </summary>
public static class SecurityHeaders
{
    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        context.Response.OnStarting(static state =>
        {
            // Browsers must trust the declared type: a stored file is never sniffed into HTML or script.
            ((HttpResponse)state).Headers.XContentTypeOptions = "nosniff";
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    }
}
