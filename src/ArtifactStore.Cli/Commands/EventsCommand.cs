using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ArtifactStore.Client;

namespace ArtifactStore.Cli.Commands;

/// <summary>
/// <c>artifactstore events tail [--follow]</c>: the event log as JSON lines on stdout, one event each, as
/// <c>GET /v1/events</c> shows them. Without <c>--follow</c> it prints the events after <c>--after</c> up to now and
/// exits; with it, it follows the live stream (<c>/v1/events/stream</c>) and, when the stream ends (the server
/// restarted, or dropped this reader for being slow), reconnects with the last seq it printed, so nothing is lost
/// or printed twice.
/// </summary>
internal static class EventsCommand
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    public static Command Create() => new("events", "Read the event log of a running server.") { Tail() };

    private static Command Tail()
    {
        var access = new StoreAccess();
        var after = new Option<long?>("--after") { Description = "Start after this seq (default: 0, or now with --follow)." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new events as they happen (until interrupted)." };
        var streams = new Option<string[]>("--stream") { Description = "Only events whose stream starts with this (repeatable)." };
        var types = new Option<string[]>("--type") { Description = "Only events of this type (repeatable)." };
        var command = new Command("tail", "Print events as JSON lines; with --follow, follow the live stream.") { after, follow, streams, types };
        access.AddTo(command);
        command.SetAction((parse, ct) => access.RunRemoteAsync(parse, async (client, _, token) =>
        {
            var prefixes = parse.GetValue(streams) ?? [];
            var wanted = parse.GetValue(types) ?? [];
            return parse.GetValue(follow)
                ? await FollowAsync(client, parse.GetValue(after), prefixes, wanted, token)
                : await PrintAsync(client, parse.GetValue(after) ?? 0, prefixes, wanted, token);
        }, ct));
        return command;
    }

    private static async Task<int> PrintAsync(ArtifactStoreClient client, long after, string[] prefixes, string[] types, CancellationToken token)
    {
        while (true)
        {
            var page = await client.ListEventsAsync(after, 1000, token);
            foreach (var record in page)
            {
                after = record.GetProperty("seq").GetInt64();
                if ((prefixes.Length == 0 || prefixes.Any(p => record.GetProperty("stream").GetString()!.StartsWith(p, StringComparison.Ordinal))) &&
                    (types.Length == 0 || types.Contains(record.GetProperty("type").GetString()!)))
                {
                    Console.WriteLine(JsonSerializer.Serialize(record));
                }
            }

            if (page.Count < 1000)
            {
                return ExitCodes.Ok;
            }
        }
    }

    private static async Task<int> FollowAsync(ArtifactStoreClient client, long? after, string[] prefixes, string[] types, CancellationToken token)
    {
        var lastContact = DateTime.UtcNow;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await foreach (var message in client.StreamEventsAsync(after, prefixes, types, token))
                {
                    lastContact = DateTime.UtcNow;
                    if (message.Event == "dropped")
                    {
                        await Console.Error.WriteLineAsync($"artifactstore: the server dropped this stream ({message.Data}); reconnecting");
                        break;
                    }

                    if (message.Id is { } id && long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
                    {
                        Console.WriteLine(message.Data);
                        after = seq;
                    }
                }
            }
            catch (Exception e) when ((e is HttpRequestException or IOException or ArtifactStoreException { Status: >= 500 }) && !token.IsCancellationRequested)
            {
                if (DateTime.UtcNow - lastContact > Patience)
                {
                    throw;
                }
            }

            // Ended by the server (a restart, or a drop): go on after the last event printed.
            await Task.Delay(TimeSpan.FromMilliseconds(500), token);
        }

        return ExitCodes.Ok;
    }
}
