using System.Globalization;
using ArtifactStore.Contract;
using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Security;
using ArtifactStore.Core.Time;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ArtifactStore.Server.Endpoints;

/// <summary><c>GET /v1/events?after=&amp;limit=</c>: the event log in order, for audit and tools.</summary>
public static class EventEndpoints
{
    public const int MaxLimit = 1000;

    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/v1/events", ListAsync).WithMetadata(new RequiredRole(Role.Reader)).Produces<EventListDocument>();

    private static async Task<IResult> ListAsync(HttpContext context, StoreRuntime store)
    {
        var query = context.Request.Query;
        long after = 0;
        var limit = 100;
        if (query["after"].ToString() is { Length: > 0 } afterText &&
            !long.TryParse(afterText, NumberStyles.None, CultureInfo.InvariantCulture, out after))
        {
            return Problems.From(StoreError.Validation("after must be a whole number (an event's seq)", "after"), context);
        }

        if (query["limit"].ToString() is { Length: > 0 } limitText &&
            (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return Problems.From(StoreError.Validation($"limit must be a whole number from 1 to {MaxLimit}", "limit"), context);
        }

        var events = new List<EventDocument>();
        await foreach (var record in store.Database.ReadEventsAsync(after, limit, context.RequestAborted))
        {
            events.Add(Document(record));
        }

        return Results.Json(new EventListDocument(events), JsonDefaults.Options);
    }

    /// <summary>One event as the API shows it (here and in each message of <c>/v1/events/stream</c>).</summary>
    /// <summary>An event as the API shows it (the list and the stream alike).</summary>
    public static EventDocument Document(EventRecord record) => new(
        record.Seq,
        record.Stream,
        record.Type,
        Rfc3339.ToText(record.OccurredAt),
        record.Actor,
        CborJson.ToJson(Cbor.Decode(record.Payload)),
        Convert.ToBase64String(record.Payload),
        Convert.ToHexStringLower(record.PrevHash),
        Convert.ToHexStringLower(record.Hash));
}
