using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Security;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.DependencyInjection;

namespace ArtifactStore.Server.Dashboard;

/// <summary>
/// What every dashboard page shares: the session (set by <see cref="DashboardAccessFilter"/>), the store's
/// services (the same Core services the endpoints call; the dashboard never calls its own HTTP API), and the one
/// line of feedback an action leaves: a notice after a redirect, or the problem that refused it.
/// </summary>
public abstract class DashboardPageModel : PageModel
{
    public DashboardSession? Session { get; internal set; }

    public StoreRuntime Store => HttpContext.RequestServices.GetRequiredService<StoreRuntime>();

    /// <summary>
    /// The key of the notice an action left (post, redirect, get). Only keys of <see cref="Notices"/> show text, so a
    /// crafted link cannot put words of its own on the page.
    /// </summary>
    [BindProperty(SupportsGet = true, Name = "notice")]
    public string? Notice { get; set; }

    public string? NoticeText => Notice is not null && Notices.TryGetValue(Notice, out var text) ? text : null;

    /// <summary>Why the last action was refused, with its stable code.</summary>
    public StoreError? Problem { get; private set; }

    public bool Can(Role role) => Session?.Can(role) == true;

    protected string Actor => Actors.Of(HttpContext);

    protected CancellationToken Aborted => HttpContext.RequestAborted;

    /// <summary>Shows the page again with the refusal, answered with the status the API gives that code.</summary>
    protected async Task<IActionResult> RefusedAsync(StoreError error, Func<Task<IActionResult>> reload)
    {
        var page = await reload();
        Refuse(error);
        return page;
    }

    /// <summary>Shows <paramref name="error"/> on the page being rendered, with the status the API gives its code.</summary>
    protected void Refuse(StoreError error)
    {
        Problem = error;
        Response.StatusCode = Problems.StatusFor(error.Code);
    }

    /// <summary>Post/redirect/get: back to <paramref name="path"/> with a notice, so a reload does not repeat the action.</summary>
    protected RedirectResult Done(string path, string notice) =>
        Notices.ContainsKey(notice)
            ? Redirect(path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "notice=" + notice)
            : throw new ArgumentException($"unknown notice '{notice}'", nameof(notice));

    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["extended"] = "The expiry was extended.",
        ["held"] = "The hold was placed.",
        ["released"] = "The hold was released.",
        ["pinned"] = "Pinned.",
        ["unpinned"] = "Unpinned.",
        ["canceled"] = "The job was canceled.",
        ["revoked"] = "The token was revoked.",
        ["signed-out"] = "Signed out.",
    };
}
