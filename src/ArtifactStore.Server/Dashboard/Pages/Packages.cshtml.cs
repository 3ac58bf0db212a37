using ArtifactStore.Core.Packages;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;

namespace ArtifactStore.Server.Dashboard.Pages;

/// <summary>
/// Package search: name prefix, one label, class and state (live, eligible, deleted), 50 per page. Labels, cursor and
/// paging are read by the API's own <see cref="PackageListQuery"/>, so the dashboard refuses what the API refuses.
/// </summary>
public sealed class PackagesModel : DashboardPageModel
{
    public const int PageSize = 50;

    public static IReadOnlyList<string> States { get; } = ["live", "eligible", "deleted"];

    [BindProperty(SupportsGet = true, Name = "name")]
    public string? Name { get; set; }

    [BindProperty(SupportsGet = true, Name = "label")]
    public string? Label { get; set; }

    [BindProperty(SupportsGet = true, Name = "class")]
    public string? Class { get; set; }

    [BindProperty(SupportsGet = true, Name = "state")]
    public string? State { get; set; }

    [BindProperty(SupportsGet = true, Name = "cursor")]
    public string? Cursor { get; set; }

    public IReadOnlyList<string> Classes => [.. Store.Options.Retention.Classes.Keys.Order(StringComparer.Ordinal)];

    public PackagePage? Results { get; private set; }

    public string? NextCursor => Results?.Next is { } next ? PackageListQuery.Cursor(next) : null;

    public async Task<IActionResult> OnGetAsync()
    {
        State = string.IsNullOrEmpty(State) ? "live" : State;
        if (!States.Contains(State))
        {
            return await RefusedAsync(Core.Errors.StoreError.Validation("state must be live, eligible or deleted", "state"), EmptyAsync);
        }

        var fields = new Dictionary<string, StringValues>(StringComparer.Ordinal)
        {
            ["state"] = State == "deleted" ? "deleted" : "live",
            ["limit"] = PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (!string.IsNullOrWhiteSpace(Label))
        {
            fields["label"] = Label.Trim();
        }

        if (!string.IsNullOrEmpty(Cursor))
        {
            fields["cursor"] = Cursor;
        }

        var parsed = PackageListQuery.Parse(new QueryCollection(fields));
        if (!parsed.IsSuccess)
        {
            return await RefusedAsync(parsed.Error, EmptyAsync);
        }

        var query = parsed.Value with
        {
            NamePrefix = string.IsNullOrWhiteSpace(Name) ? null : Name.Trim(),
            RetentionClass = string.IsNullOrEmpty(Class) ? null : Class,
            EligibleOnly = State == "eligible",
        };
        Results = await Store.Packages.ListAsync(query, Aborted);
        return Page();
    }

    /// <summary>This search again, at another page (null: the first).</summary>
    public string PageLink(string? cursor)
    {
        var query = new QueryBuilder();
        foreach (var (key, value) in new[] { ("name", Name), ("label", Label), ("class", Class), ("state", State), ("cursor", cursor) })
        {
            if (!string.IsNullOrEmpty(value))
            {
                query.Add(key, value);
            }
        }

        return "/packages" + query.ToQueryString();
    }

    private Task<IActionResult> EmptyAsync() => Task.FromResult<IActionResult>(Page());
}
