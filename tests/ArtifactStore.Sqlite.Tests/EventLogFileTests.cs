using ArtifactStore.Core.Events;

namespace ArtifactStore.Sqlite.Tests;

/// <summary>
/// The event log and views as SQLite keeps them: a row edited in the file breaks the chain, and a
/// rebuild reproduces every view table row for row. The behaviour every backend shares is in the
/// conformance suite.
/// </summary>
public sealed class EventLogFileTests
{
    private static readonly Dictionary<string, string> TwoFiles = new() { ["a.txt"] = "alpha", ["dir/b.txt"] = "beta" };

    [Fact]
    public async Task views_rebuilt_from_the_events_equal_the_live_views_in_every_table()
    {
        var store = await TestStore.OpenAsync();
        try
        {
            for (var i = 0; i < 12; i++)
            {
                store.Time.Advance(TimeSpan.FromMinutes(3));
                var files = new Dictionary<string, string> { ["shared.txt"] = "shared", [$"own/{i}.txt"] = $"own {i}" };
                var created = await store.CreateAsync($"pkg/{i % 4}", files,
                    retentionClass: i % 3 == 0 ? "permanent-record" : null, labels: [$"n={i}", "kind=test"]);
                Assert.True(created.IsSuccess);
            }

            var live = store.Database.DumpViews();
            await store.Database.RebuildViewsAsync(CancellationToken.None);
            var rebuilt = store.Database.DumpViews();
            Assert.Equal(live, rebuilt);
            Assert.Contains("shared", live, StringComparison.Ordinal);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task editing_a_stored_event_breaks_the_chain_at_that_event()
    {
        var store = await TestStore.OpenAsync();
        try
        {
            await store.CreateAsync("a", TwoFiles);
            await store.CreateAsync("b", TwoFiles);
            using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={store.Database.DatabasePath}"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "UPDATE events SET actor = 'mallory' WHERE seq = 3";
                command.ExecuteNonQuery();
            }

            var problem = await EventChain.VerifyAsync(store.Database.ReadEventsAsync(0, 100, CancellationToken.None), CancellationToken.None);
            Assert.Equal("event 3 has been altered: its hash does not match its content", problem);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }
}
