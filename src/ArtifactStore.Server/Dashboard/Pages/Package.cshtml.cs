using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Ids;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Security;
using ArtifactStore.Core.Time;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Mvc;

namespace ArtifactStore.Server.Dashboard.Pages;

/// <summary>
/// One package: files, retention state, holds, history as a timeline, and the operator's actions (extend, hold,
/// release, pin, unpin) — each the same <see cref="Core.Retention.RetentionService"/> call the API makes, with the
/// session as actor. A deleted package shows its tombstone instead of downloads and actions.
/// </summary>
public sealed class PackageModel : DashboardPageModel
{
    public PackageView? Package { get; private set; }

    public IReadOnlyList<EventRecord> History { get; private set; } = [];

    /// <summary>A week past the current expiry (or from now): a starting value for the extend form.</summary>
    public string SuggestedExpiry =>
        Rfc3339.ToText(Rfc3339.Truncate((Package?.Retention.ExpiresAt is { } at && at > Store.Time.GetUtcNow() ? at : Store.Time.GetUtcNow()).AddDays(7)));

    public Task<IActionResult> OnGetAsync(string id) => LoadAsync(id);

    [DashboardRole(Role.Operator)]
    public Task<IActionResult> OnPostHoldAsync(string id, string? reason) =>
        ActAsync(id, "held", async packageId =>
        {
            var held = await Store.Retention.ApplyHoldAsync(packageId, reason, Actor, Aborted);
            return held.IsSuccess ? null : held.Error;
        });

    [DashboardRole(Role.Operator)]
    public Task<IActionResult> OnPostReleaseAsync(string id, string? holdId, string? reason) =>
        ActAsync(id, "released", async packageId =>
        {
            var hold = RouteIds.Hold(holdId ?? string.Empty);
            return hold.IsSuccess
                ? ErrorOf(await Store.Retention.ReleaseHoldAsync(packageId, CanonicalId.ToText(hold.Value), reason, Actor, Aborted))
                : hold.Error;
        });

    [DashboardRole(Role.Operator)]
    public Task<IActionResult> OnPostExtendAsync(string id, string? newExpiresAt, string? reason) =>
        ActAsync(id, "extended", async packageId =>
        {
            var at = Rfc3339.Read(newExpiresAt?.Trim(), "new_expires_at");
            return at.IsSuccess ? ErrorOf(await Store.Retention.ExtendAsync(packageId, at.Value, reason, Actor, Aborted)) : at.Error;
        });

    [DashboardRole(Role.Operator)]
    public Task<IActionResult> OnPostPinAsync(string id, string? reason) =>
        ActAsync(id, "pinned", async packageId => ErrorOf(await Store.Retention.SetPinnedAsync(packageId, true, reason, Actor, Aborted)));

    [DashboardRole(Role.Operator)]
    public Task<IActionResult> OnPostUnpinAsync(string id, string? reason) =>
        ActAsync(id, "unpinned", async packageId => ErrorOf(await Store.Retention.SetPinnedAsync(packageId, false, reason, Actor, Aborted)));

    private static StoreError? ErrorOf(Result<PackageView> result) => result.IsSuccess ? null : result.Error;

    private async Task<IActionResult> ActAsync(string id, string notice, Func<Guid, Task<StoreError?>> action)
    {
        var packageId = RouteIds.Package(id);
        if (!packageId.IsSuccess)
        {
            return await RefusedAsync(packageId.Error, () => Task.FromResult<IActionResult>(NotFound()));
        }

        return await action(packageId.Value) is { } error
            ? await RefusedAsync(error, () => LoadAsync(id))
            : Done($"/packages/{Show.Id(packageId.Value)}", notice);
    }

    private async Task<IActionResult> LoadAsync(string id)
    {
        var packageId = RouteIds.Package(id);
        if (!packageId.IsSuccess || await Store.Database.Views.GetPackageAsync(packageId.Value, Aborted) is not { } package)
        {
            // No page to show: an empty 404, which the server answers as a problem document like any unknown path.
            return NotFound();
        }

        Package = package;
        var history = await Store.Retention.HistoryAsync(package.Id, Aborted);
        History = history.IsSuccess ? history.Value : [];
        return Page();
    }
}
