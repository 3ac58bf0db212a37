using System.Globalization;
using ArtifactStore.Server.Http;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>Request ids made without a system call per request are still UUIDv7s, in time order and distinct.</summary>
public sealed class RequestIdTests
{
    [Fact]
    public void a_new_request_id_is_a_version_7_uuid_of_the_current_millisecond_and_never_repeats()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var ids = Enumerable.Range(0, 20_000).Select(_ => RequestIds.NewId()).ToList();
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        foreach (var id in ids.Take(100))
        {
            Assert.Matches("^[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$", id);
            Assert.Equal(7, Guid.ParseExact(id, "N").Version);
            var millis = long.Parse(id[..12], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            Assert.InRange(millis, before, after);
        }
    }
}
