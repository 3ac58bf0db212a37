using System.Reflection;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace ArtifactStore.Server.Dashboard;

/// <summary>
/// Runs before every dashboard handler, after ASP.NET Core's antiforgery check (an authorization filter, so a
/// POST without a valid token is refused 400 before it gets here). Resolves the <see cref="DashboardSession"/>;
/// without one, a page asks to sign in (a GET is redirected, anything else answered 401). Then the page's and the
/// handler's <see cref="DashboardRoleAttribute"/> decide: a weaker session gets 403 <c>forbidden</c>. The session's
/// name becomes the actor of what the handler changes, as a token's does in the API.
/// </summary>
public sealed class DashboardAccessFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var http = context.HttpContext;
        var pageType = context.ActionDescriptor.HandlerTypeInfo;
        var signedOutAllowed = pageType.GetCustomAttribute<SignedOutAllowedAttribute>() is not null;
        DashboardSession? session;
        try
        {
            session = await DashboardSession.ResolveAsync(http);
        }
        catch (Exception e) when (signedOutAllowed && e is not OperationCanceledException)
        {
            // The health page must render when the database does not answer; its caller then counts as signed out.
            session = null;
        }

        if (session is null && !signedOutAllowed)
        {
            context.Result = HttpMethods.IsGet(http.Request.Method)
                ? new RedirectResult("/sign-in?return=" + Uri.EscapeDataString(http.Request.Path + http.Request.QueryString))
                : new StatusCodeResult(StatusCodes.Status401Unauthorized);
            return;
        }

        // The stricter of page and handler wins.
        var required = new[]
        {
            pageType.GetCustomAttribute<DashboardRoleAttribute>()?.Role,
            context.HandlerMethod?.MethodInfo.GetCustomAttribute<DashboardRoleAttribute>()?.Role,
        }.Max();
        if (required is { } role && (session is null || !session.Can(role)))
        {
            context.Result = session is null
                ? new StatusCodeResult(StatusCodes.Status401Unauthorized)
                : new StatusCodeResult(StatusCodes.Status403Forbidden);
            return;
        }

        if (session is not null)
        {
            Actors.Set(http, session.Actor);
        }

        if (context.HandlerInstance is DashboardPageModel model)
        {
            model.Session = session;
        }

        await next();
    }
}
