using System.Reflection;
using ArtifactStore.Core.Events;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Mvc;

namespace ArtifactStore.Server.Dashboard.Pages;

/// <summary>
/// The event log, oldest first from <c>after</c>, filtered by stream (read from the stream's own index) and type; 100
/// events a page, scanning at most <see cref="ScanLimit"/> events per page for a type filter. The whole chain is
/// verified on every visit (<see cref="EventChain.CheckAsync"/>: one pass over the log, like <c>fsck</c>'s).
/// </summary>
public sealed class EventsModel : DashboardPageModel
{
    public const int PageSize = 100;
    private const int ScanLimit = 5000;

    [BindProperty(SupportsGet = true, Name = "stream")]
    public string? Stream { get; set; }

    [BindProperty(SupportsGet = true, Name = "type")]
    public string? Type { get; set; }

    [BindProperty(SupportsGet = true, Name = "after")]
    public long? After { get; set; }

    public ChainCheck? Chain { get; private set; }

    public IReadOnlyList<EventRecord> Events { get; private set; } = [];

    /// <summary>Where the next page starts, when this one was cut short.</summary>
    public long? NextAfter { get; private set; }

    /// <summary>Every event type the store writes, read from <see cref="EventTypes"/>' constants so the list cannot drift.</summary>
    public static IReadOnlyList<string> KnownTypes { get; } =
        [.. typeof(EventTypes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.GetRawConstantValue() is string value && value.StartsWith("v1.", StringComparison.Ordinal))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Order(StringComparer.Ordinal)];

    public async Task OnGetAsync()
    {
        Chain = await EventChain.CheckAsync(Store.Database.ReadEventsAsync(0, int.MaxValue, Aborted), Aborted);
        var after = Math.Max(0, After ?? 0);
        var type = string.IsNullOrWhiteSpace(Type) ? null : Type.Trim();
        var events = new List<EventRecord>();
        var source = string.IsNullOrWhiteSpace(Stream)
            ? Store.Database.ReadEventsAsync(after, ScanLimit, Aborted)
            : Store.Database.ReadStreamAsync(Stream.Trim(), Aborted);
        long last = after;
        var scanned = 0;
        await foreach (var record in source)
        {
            if (record.Seq <= after)
            {
                continue;
            }

            scanned++;
            last = record.Seq;
            if (type is null || record.Type == type)
            {
                events.Add(record);
            }

            if (events.Count == PageSize || scanned == ScanLimit)
            {
                NextAfter = last;
                break;
            }
        }

        Events = events;
    }

    public static string StreamLink(string stream) => "/events" + new QueryBuilder { { "stream", stream } }.ToQueryString();

    public string PageLink(long after)
    {
        var query = new QueryBuilder();
        foreach (var (key, value) in new[] { ("stream", Stream), ("type", Type) })
        {
            if (!string.IsNullOrEmpty(value))
            {
                query.Add(key, value);
            }
        }

        query.Add("after", after.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return "/events" + query.ToQueryString();
    }
}
