using System.Globalization;
using System.Text;
using System.Text.Json;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Security;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace ArtifactStore.Server.Endpoints;

/// <summary>
/// <c>GET /v1/events/stream</c>: the event log as Server-Sent Events, live (docs/events.md, "The live stream").
/// Each message is <c>id</c> = seq, <c>event</c> = type, <c>data</c> = the event as <c>GET /v1/events</c> shows it.
/// Starts after <c>Last-Event-ID</c> or <c>?after=</c> (0: from the beginning; neither: from now), filters by
/// <c>?stream=</c> prefix and <c>?type=</c> (each repeatable), sends a comment line as heartbeat, and ends with an
/// <c>event: dropped</c> message when the client read too slowly to keep up.
/// </summary>
public static class EventStreamEndpoints
{
    private const int PageSize = 1000;

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/v1/events/stream", StreamAsync).WithMetadata(new RequiredRole(Role.Reader));

    private static async Task StreamAsync(HttpContext context, StoreRuntime store, [FromServices] EventFeed feed, IHostApplicationLifetime lifetime)
    {
        var start = StartOf(context);
        if (!start.IsSuccess)
        {
            await Problems.WriteAsync(context, start.Error);
            return;
        }

        var streams = context.Request.Query["stream"].Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToArray();
        var types = context.Request.Query["type"].Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToHashSet(StringComparer.Ordinal);
        bool Wanted(EventRecord record) =>
            (streams.Length == 0 || streams.Any(p => record.Stream.StartsWith(p, StringComparison.Ordinal))) &&
            (types.Count == 0 || types.Contains(record.Type));

        // Ends with the request, and when the server stops (so a stream never holds up a graceful shutdown).
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var ct = ending.Token;
        await using var subscription = await feed.SubscribeAsync(ct);

        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        var body = context.Response.Body;
        try
        {
            // "retry" tells EventSource clients how soon to reconnect (with Last-Event-ID) when the stream ends.
            await WriteAsync(body, "retry: 1000\n\n", ct);

            // What the log holds between the client's position and the moment of subscribing comes from the log itself.
            var cursor = start.Value ?? subscription.StartAfter;
            while (cursor < subscription.StartAfter)
            {
                var read = 0;
                await foreach (var record in store.Database.ReadEventsAsync(cursor, PageSize, ct))
                {
                    if (record.Seq > subscription.StartAfter)
                    {
                        break;
                    }

                    read++;
                    cursor = record.Seq;
                    if (Wanted(record))
                    {
                        await WriteEventAsync(body, record, ct);
                    }
                }

                await body.FlushAsync(ct);
                if (read == 0)
                {
                    break;
                }
            }

            cursor = Math.Max(cursor, subscription.StartAfter);
            var heartbeat = store.Options.Events.HeartbeatInterval;
            Task<bool>? waiting = null;
            while (true)
            {
                waiting ??= subscription.Events.WaitToReadAsync(ct).AsTask();
                if (await Task.WhenAny(waiting, Task.Delay(heartbeat, ct)) != waiting)
                {
                    await WriteAsync(body, ": heartbeat\n\n", ct);
                    await body.FlushAsync(ct);
                    continue;
                }

                var more = await waiting;
                waiting = null;
                if (!more)
                {
                    break;
                }

                while (subscription.Events.TryRead(out var record))
                {
                    if (record.Seq > cursor)
                    {
                        cursor = record.Seq;
                        if (Wanted(record))
                        {
                            await WriteEventAsync(body, record, ct);
                        }
                    }
                }

                await body.FlushAsync(ct);
            }

            if (subscription.Dropped)
            {
                // No id: the client's Last-Event-ID stays the last event it got, which is where it resumes.
                var dropped = JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["reason"] = "slow_consumer",
                    ["last_seq"] = cursor,
                    ["detail"] = $"this stream fell more than {store.Options.Events.StreamBuffer} events behind and was closed; reconnect with Last-Event-ID: {cursor}",
                });
                await WriteAsync(body, $"event: dropped\ndata: {dropped}\n\n", ct);
                await body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away or the server is stopping: the stream just ends.
        }
    }

    /// <summary>Where to start: after the seq in <c>Last-Event-ID</c>, else in <c>?after=</c>, else null (from now).</summary>
    private static Result<long?> StartOf(HttpContext context)
    {
        var (text, field) = context.Request.Headers["Last-Event-ID"].ToString() is { Length: > 0 } header
            ? (header, "Last-Event-ID")
            : (context.Request.Query["after"].ToString(), "after");
        if (text.Length == 0)
        {
            return (long?)null;
        }

        return long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var after)
            ? after
            : StoreError.Validation($"{field} must be a whole number (an event's seq)", field);
    }

    private static Task WriteEventAsync(Stream body, EventRecord record, CancellationToken ct) =>
        WriteAsync(body,
            $"id: {record.Seq.ToString(CultureInfo.InvariantCulture)}\nevent: {record.Type}\ndata: {JsonSerializer.Serialize(EventEndpoints.Document(record), JsonDefaults.Options)}\n\n",
            ct);

    private static async Task WriteAsync(Stream body, string text, CancellationToken ct) =>
        await body.WriteAsync(Encoding.UTF8.GetBytes(text), ct);
}
