using System.Globalization;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Ids;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;

namespace ArtifactStore.Server.Dashboard.Pages;

/// <summary>
/// The job queue: how many jobs are queued and running, and a search by state and type (or a job's id, which opens
/// the job), 50 per page. Paging is read by the API's <see cref="PackageListQuery.ReadPaging"/>.
/// </summary>
public sealed class JobsModel : DashboardPageModel
{
    public const int PageSize = 50;

    /// <summary>The queue counts stop at this many per state ("N+").</summary>
    private const int CountLimit = 1000;

    public static IReadOnlyList<string> States { get; } =
        [.. new[] { JobState.Queued, JobState.Running, JobState.Succeeded, JobState.Failed, JobState.Canceled, JobState.Expired }.Select(JobStates.ToText)];

    [BindProperty(SupportsGet = true, Name = "q")]
    public string? Query { get; set; }

    [BindProperty(SupportsGet = true, Name = "state")]
    public string? State { get; set; }

    [BindProperty(SupportsGet = true, Name = "type")]
    public string? Type { get; set; }

    [BindProperty(SupportsGet = true, Name = "cursor")]
    public string? Cursor { get; set; }

    public IReadOnlyList<string> Types => [.. Store.Options.Jobs.Types.Keys.Order(StringComparer.Ordinal)];

    public IReadOnlyList<(string State, string Count)> Counts { get; private set; } = [];

    public JobPage? Results { get; private set; }

    public string? NextCursor => Results?.Next is { } next ? PackageListQuery.Cursor(next) : null;

    public async Task<IActionResult> OnGetAsync()
    {
        if (!string.IsNullOrWhiteSpace(Query))
        {
            // A search by id opens the job; text that is no id finds nothing, as the API's 404 says.
            return CanonicalId.TryParse(Query.Trim(), out var id)
                ? Redirect($"/jobs/{Show.Id(id)}")
                : await RefusedAsync(new StoreError(ErrorCodes.JobNotFound, "a job id is written in lower-case hexadecimal in 8-4-4-4-12 groups"), ListAsync);
        }

        return await ListAsync();
    }

    public string PageLink(string? cursor)
    {
        var query = new QueryBuilder();
        foreach (var (key, value) in new[] { ("state", State), ("type", Type), ("cursor", cursor) })
        {
            if (!string.IsNullOrEmpty(value))
            {
                query.Add(key, value);
            }
        }

        return "/jobs" + query.ToQueryString();
    }

    private async Task<IActionResult> ListAsync()
    {
        Counts =
        [
            ("queued", await CountAsync(JobState.Queued)),
            ("running", await CountAsync(JobState.Running)),
        ];

        JobState? state = null;
        if (!string.IsNullOrEmpty(State))
        {
            if (!JobStates.TryParse(State, out var parsed))
            {
                Refuse(StoreError.Validation("state must be one of queued, running, succeeded, failed, canceled, expired", "state"));
                return Page();
            }

            state = parsed;
        }

        var fields = new Dictionary<string, StringValues>(StringComparer.Ordinal) { ["limit"] = PageSize.ToString(CultureInfo.InvariantCulture) };
        if (!string.IsNullOrEmpty(Cursor))
        {
            fields["cursor"] = Cursor;
        }

        var paging = PackageListQuery.ReadPaging(new QueryCollection(fields));
        if (!paging.IsSuccess)
        {
            Refuse(paging.Error);
            return Page();
        }

        Results = await Store.Jobs.ListAsync(new JobQuery(state, string.IsNullOrEmpty(Type) ? null : Type, paging.Value.Before, paging.Value.Limit), Aborted);
        return Page();
    }

    private async Task<string> CountAsync(JobState state)
    {
        var page = await Store.Jobs.ListAsync(new JobQuery(state, null, null, CountLimit), Aborted);
        return page.Next is null ? Show.Number(page.Items.Count) : $"{Show.Number(CountLimit)}+";
    }
}
