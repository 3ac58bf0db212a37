using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Server.Dashboard.Pages;

/// <summary>The landing page at <c>/</c>: a few figures and where to go.</summary>
public sealed class IndexModel : DashboardPageModel
{
    /// <summary>The overview counts at most this many jobs per state (it shows "N+" beyond).</summary>
    private const int CountLimit = 100;

    public StorageUsage Usage { get; private set; } = new([], 0, 0);

    public string Queued { get; private set; } = "0";

    public string Running { get; private set; } = "0";

    public async Task OnGetAsync()
    {
        Usage = await Store.Database.Views.GetStorageUsageAsync(Aborted);
        Queued = await CountAsync(JobState.Queued);
        Running = await CountAsync(JobState.Running);
    }

    private async Task<string> CountAsync(JobState state)
    {
        var page = await Store.Jobs.ListAsync(new JobQuery(state, null, null, CountLimit), Aborted);
        return page.Next is null ? Show.Number(page.Items.Count) : $"{CountLimit}+";
    }
}
