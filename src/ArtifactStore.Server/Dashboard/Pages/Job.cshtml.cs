using System.Globalization;
using System.Text;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Security;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Mvc;

namespace ArtifactStore.Server.Dashboard.Pages;

/// <summary>
/// One job: attempts, exit code, error, links to its packages, cancel / pin / unpin, and its log. While the job runs,
/// the page's script polls <c>?handler=Log&amp;offset=N</c>, which answers the bytes after N from the live log (the
/// store's <see cref="IJobLogStore"/>, whichever process runs the job) and, once the job has finished, the rest of
/// its final log (<see cref="FinishedJobLog"/>).
/// </summary>
public sealed class JobModel : DashboardPageModel
{
    /// <summary>The page shows at most this much of a finished log; the whole file is in the job's package.</summary>
    private const int ShownLogBytes = 1024 * 1024;

    public JobView? Job { get; private set; }

    public string FinalLog { get; private set; } = string.Empty;

    public Task<IActionResult> OnGetAsync(string id) => LoadAsync(id);

    /// <summary>The log from byte <paramref name="offset"/> on; headers say the next offset, the state and whether it is complete.</summary>
    public async Task<IActionResult> OnGetLogAsync(string id, long offset)
    {
        var jobId = RouteIds.Job(id);
        if (!jobId.IsSuccess || await Store.Database.Views.GetJobAsync(jobId.Value, Aborted) is not { } job)
        {
            return NotFound();
        }

        offset = Math.Max(0, offset);
        using var text = new MemoryStream();
        var finished = JobStates.IsFinished(job.State);
        if (!finished)
        {
            offset += await Store.JobLogs.CopyFromAsync(job.Id, offset, text, Aborted);
        }
        else if (await FinishedJobLog.OpenAsync(Store, job, Aborted) is { IsSuccess: true } opened)
        {
            await using var blob = opened.Value;
            if (offset < blob.Length)
            {
                blob.Stream.Position = offset;
                await blob.Stream.CopyToAsync(text, Aborted);
                offset = blob.Length;
            }
        }

        Response.Headers["X-Log-Offset"] = offset.ToString(CultureInfo.InvariantCulture);
        Response.Headers["X-Job-State"] = Show.State(job.State);
        Response.Headers["X-Log-Finished"] = finished ? "true" : "false";
        return File(text.ToArray(), "text/plain; charset=utf-8");
    }

    [DashboardRole(Role.Writer)]
    public Task<IActionResult> OnPostCancelAsync(string id) =>
        ActAsync(id, "canceled", jobId => Store.Jobs.CancelAsync(jobId, Actor, Aborted));

    [DashboardRole(Role.Operator)]
    public Task<IActionResult> OnPostPinAsync(string id, string? reason) =>
        ActAsync(id, "pinned", jobId => Store.Jobs.SetPinnedAsync(jobId, true, Actor, reason, Aborted));

    [DashboardRole(Role.Operator)]
    public Task<IActionResult> OnPostUnpinAsync(string id, string? reason) =>
        ActAsync(id, "unpinned", jobId => Store.Jobs.SetPinnedAsync(jobId, false, Actor, reason, Aborted));

    private async Task<IActionResult> ActAsync(string id, string notice, Func<Guid, Task<Result<JobView>>> action)
    {
        var jobId = RouteIds.Job(id);
        if (!jobId.IsSuccess)
        {
            return NotFound();
        }

        var done = await action(jobId.Value);
        return done.IsSuccess ? Done($"/jobs/{Show.Id(jobId.Value)}", notice) : await RefusedAsync(done.Error!, () => LoadAsync(id));
    }

    private async Task<IActionResult> LoadAsync(string id)
    {
        var jobId = RouteIds.Job(id);
        if (!jobId.IsSuccess || await Store.Database.Views.GetJobAsync(jobId.Value, Aborted) is not { } job)
        {
            return NotFound();
        }

        Job = job;
        if (JobStates.IsFinished(job.State) && await FinishedJobLog.OpenAsync(Store, job, Aborted) is { IsSuccess: true } opened)
        {
            await using var blob = opened.Value;
            var bytes = new byte[(int)Math.Min(blob.Length, ShownLogBytes)];
            await blob.Stream.ReadExactlyAsync(bytes, Aborted);
            FinalLog = Encoding.UTF8.GetString(bytes) + (blob.Length > ShownLogBytes ? "\n… (the whole log is logs/run.log in the job's package)" : string.Empty);
        }

        return Page();
    }
}
