using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ArtifactStore.Server.Http;

/// <summary>
/// Makes every error answer a problem document (docs/api.md, "Errors"), whoever produced it: an exception
/// that is the client's fault (<see cref="ClientFaults"/>) becomes its 4xx, and an error status set with
/// no body — 404 when no endpoint matches, 405 for a known path with another method, a 4xx of Kestrel's
/// raised while the app reads the body — gets the document for that status. Only what Kestrel answers
/// before the app runs (a broken request line or headers) escapes; docs/api.md lists those.
/// </summary>
public static class ProblemResponses
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested && ClientFaults.Classify(e) is { } fault)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ArtifactStore.Http")
                .LogInformation("Request {Method} {Path} refused as {Code}: {Message}", context.Request.Method, context.Request.Path, fault.Error.Code, e.Message);
            context.Response.Clear();
            context.Response.Headers[RequestIds.Header] = RequestIds.Of(context);
            await Problems.WriteAsync(context, fault.Error, fault.Status);
            return;
        }

        var response = context.Response;
        if (response.StatusCode >= StatusCodes.Status400BadRequest && !response.HasStarted && response.ContentType is null)
        {
            response.ContentLength = null;
            await Problems.WriteAsync(context, ClientFaults.ForStatus(response.StatusCode, Describe(context)), response.StatusCode);
        }
    }

    private static string Describe(HttpContext context) => context.Response.StatusCode switch
    {
        StatusCodes.Status404NotFound => $"no endpoint answers {context.Request.Method} {context.Request.Path}",
        StatusCodes.Status405MethodNotAllowed => $"{context.Request.Path} does not take {context.Request.Method}" +
            (context.Response.Headers.Allow.Count > 0 ? $" (allowed: {context.Response.Headers.Allow})" : string.Empty),
        var status => $"the request was refused with status {status}",
    };
}
