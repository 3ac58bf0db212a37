using ArtifactStore.Core.Roots;
using ArtifactStore.Core.Security;
using ArtifactStore.Core.Storage;
using Microsoft.AspNetCore.Mvc;

namespace ArtifactStore.Server.Dashboard.Pages;

/// <summary>
/// What the store holds (per retention class, blobs, dedup ratio, free space on the data root's file system) and the
/// last sweeps and GC runs of this process with their reports (<see cref="MaintenanceRuns"/>). An operator can run a
/// sweep, a GC dry run or a GC from here: the same calls as <c>POST /v1/admin/retention/sweep</c> and <c>/v1/admin/gc</c>.
/// </summary>
public sealed class StorageModel : DashboardPageModel
{
    public StorageUsage Usage { get; private set; } = new([], 0, 0);

    public long? FreeBytes { get; private set; }

    public Task<IActionResult> OnGetAsync() => LoadAsync();

    [DashboardRole(Role.Operator)]
    public async Task<IActionResult> OnPostSweepAsync()
    {
        var report = await Store.Sweeper.RunAsync(null, dryRun: false, Actor, Aborted);
        return report.IsSuccess ? Redirect("/storage#sweeps") : await RefusedAsync(report.Error!, LoadAsync);
    }

    [DashboardRole(Role.Operator)]
    public async Task<IActionResult> OnPostGcAsync(bool dryRun)
    {
        var report = await Store.Collector.RunAsync(dryRun, Actor, Aborted);
        return report.IsSuccess ? Redirect("/storage#gc-runs") : await RefusedAsync(report.Error!, LoadAsync);
    }

    private async Task<IActionResult> LoadAsync()
    {
        Usage = await Store.Database.Views.GetStorageUsageAsync(Aborted);
        FreeBytes = RootChecks.SpaceOf(Store.Root.Path)?.AvailableBytes;
        return Page();
    }
}
