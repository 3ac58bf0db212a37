namespace ArtifactStore.Sqlite.Tests;

/// <summary>A clock the test moves by hand (Microsoft's FakeTimeProvider is not available here).</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
