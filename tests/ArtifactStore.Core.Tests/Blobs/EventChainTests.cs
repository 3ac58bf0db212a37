using ArtifactStore.Core.Events;

namespace ArtifactStore.Core.Tests.Blobs;

public sealed class EventChainTests
{
    [Fact]
    public async Task a_chain_built_link_by_link_verifies_and_any_reordering_breaks_it()
    {
        var events = new List<EventRecord>();
        var prev = EventChain.Genesis;
        var at = new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
        for (var seq = 1; seq <= 5; seq++)
        {
            var payload = new byte[] { 0xa0 };
            var hash = EventChain.ComputeHash(seq, "system", "v1.test", at, "tester", payload, prev);
            events.Add(new EventRecord(seq, "system", "v1.test", at, "tester", payload, prev, hash));
            prev = hash;
        }

        Assert.Null(await EventChain.VerifyAsync(events.ToAsyncEnumerable(), CancellationToken.None));

        var gap = events.Where(e => e.Seq != 3).ToAsyncEnumerable();
        Assert.Equal("event 3 is missing (found 4 instead)", await EventChain.VerifyAsync(gap, CancellationToken.None));

        var altered = events.Select(e => e.Seq == 2 ? e with { Actor = "mallory" } : e).ToAsyncEnumerable();
        Assert.Equal("event 2 has been altered: its hash does not match its content", await EventChain.VerifyAsync(altered, CancellationToken.None));
    }
}
