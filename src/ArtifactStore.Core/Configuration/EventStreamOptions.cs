namespace ArtifactStore.Core.Configuration;

/// <summary>The live event stream, <c>GET /v1/events/stream</c> (<c>Events:*</c>, docs/events.md "The live stream").</summary>
public sealed record EventStreamOptions
{
    /// <summary>Events held for one subscriber that reads too slowly; one more and it is dropped (it resumes with Last-Event-ID). Default 4096.</summary>
    public int StreamBuffer { get; init; } = 4096;

    /// <summary>How often an idle stream sends a comment line, so proxies and clients see it is alive. Default 15 s.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the feed looks for new events while anyone is subscribed. Default 100 ms.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    public IEnumerable<string> Validate()
    {
        if (StreamBuffer <= 0)
        {
            yield return "Events:StreamBuffer: must be positive";
        }

        if (HeartbeatInterval <= TimeSpan.Zero)
        {
            yield return "Events:HeartbeatInterval: must be positive";
        }

        if (PollInterval <= TimeSpan.Zero || PollInterval > TimeSpan.FromMinutes(1))
        {
            yield return "Events:PollInterval: must be positive and at most a minute";
        }
    }
}
