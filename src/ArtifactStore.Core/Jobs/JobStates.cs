namespace ArtifactStore.Core.Jobs;

/// <summary>The wire and database names of <see cref="JobState"/>.</summary>
public static class JobStates
{
    public static string ToText(JobState state) => state switch
    {
        JobState.Queued => "queued",
        JobState.Running => "running",
        JobState.Succeeded => "succeeded",
        JobState.Failed => "failed",
        JobState.Canceled => "canceled",
        JobState.Expired => "expired",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static bool TryParse(string text, out JobState state)
    {
        foreach (var candidate in Enum.GetValues<JobState>())
        {
            if (ToText(candidate) == text)
            {
                state = candidate;
                return true;
            }
        }

        state = default;
        return false;
    }

    public static bool IsFinished(JobState state) => state is JobState.Succeeded or JobState.Failed or JobState.Canceled or JobState.Expired;
}
