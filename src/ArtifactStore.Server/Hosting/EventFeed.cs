using System.Threading.Channels;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Storage;
using Microsoft.Extensions.Logging;

namespace ArtifactStore.Server.Hosting;

/// <summary>
/// Fans new events out to the subscribers of <c>/v1/events/stream</c> (docs/events.md, "The live stream"). One loop
/// reads the log after the last event it saw, every <c>Events:PollInterval</c> while anyone is subscribed, so it sees
/// what other processes sharing the database append as well as this one's. Writers never wait for it: it only
/// reads committed events. Each subscriber has a bounded buffer (<c>Events:StreamBuffer</c>), and the feed reads
/// at most a buffer's worth at a time. A subscriber whose buffer is still full <see cref="SlowReaderGrace"/> after
/// the feed offered it an event is dropped (its buffer is closed and marked): a reader that keeps up is never
/// dropped by a burst, and one that stopped reading delays the others once, by at most the grace.
/// </summary>
public sealed class EventFeed(IStoreDatabase database, EventStreamOptions options, ILogger<EventFeed> logger) : IAsyncDisposable
{
    /// <summary>How long a full buffer may stay full before its reader counts as stalled.</summary>
    public static readonly TimeSpan SlowReaderGrace = TimeSpan.FromSeconds(5);

    private readonly int _pageSize = Math.Min(1000, options.StreamBuffer);
    private readonly SemaphoreSlim _mutex = new(1, 1);
    private readonly List<Subscription> _subscribers = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _wake = new(0);
    private Task? _loop;
    private long _cursor;

    /// <summary>
    /// Subscribes from now: the subscription receives every event after <see cref="Subscription.StartAfter"/>
    /// (the caller reads older ones from the log itself).
    /// </summary>
    public async Task<Subscription> SubscribeAsync(CancellationToken cancellationToken)
    {
        await _mutex.WaitAsync(cancellationToken);
        try
        {
            if (_subscribers.Count == 0)
            {
                // Nobody listened for a while: there is nothing to fan out from before now.
                _cursor = await database.Views.GetHeadSeqAsync(cancellationToken);
            }

            var subscription = new Subscription(this, _cursor, options.StreamBuffer);
            _subscribers.Add(subscription);
            _loop ??= Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
            _wake.Release();
            return subscription;
        }
        finally
        {
            _mutex.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        foreach (var subscription in _subscribers.ToList())
        {
            subscription.Close(dropped: false);
        }

        _stop.Dispose();
        _mutex.Dispose();
        _wake.Dispose();
    }

    private async Task Unsubscribe(Subscription subscription)
    {
        if (_stop.IsCancellationRequested)
        {
            // The feed is shutting down and lets go of every subscriber itself.
            return;
        }

        await _mutex.WaitAsync(CancellationToken.None);
        try
        {
            _subscribers.Remove(subscription);
        }
        finally
        {
            _mutex.Release();
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var full = false;
            try
            {
                full = await FanOutOnceAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A database that does not answer for a moment: subscribers wait, the loop tries again.
                logger.LogWarning(e, "The event feed could not read the log; trying again");
            }

            if (!full)
            {
                try
                {
                    // Woken early by a new subscriber, otherwise once per poll interval.
                    await _wake.WaitAsync(options.PollInterval, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Reads one page of new events and hands each to every subscriber; true when the page was full.</summary>
    private async Task<bool> FanOutOnceAsync(CancellationToken cancellationToken)
    {
        await _mutex.WaitAsync(cancellationToken);
        try
        {
            if (_subscribers.Count == 0)
            {
                return false;
            }

            var read = 0;
            await foreach (var record in database.ReadEventsAsync(_cursor, _pageSize, cancellationToken))
            {
                read++;
                _cursor = record.Seq;
                foreach (var subscription in _subscribers.ToList())
                {
                    if (!await subscription.OfferAsync(record, cancellationToken))
                    {
                        _subscribers.Remove(subscription);
                        logger.LogWarning("Dropped an event stream subscriber that fell {Buffer} events behind at seq {Seq}", options.StreamBuffer, record.Seq);
                    }
                }
            }

            return read == _pageSize;
        }
        finally
        {
            _mutex.Release();
        }
    }

    /// <summary>One subscriber's buffer of events to send.</summary>
    public sealed class Subscription : IAsyncDisposable
    {
        private readonly EventFeed _feed;
        private readonly Channel<EventRecord> _events;

        internal Subscription(EventFeed feed, long startAfter, int capacity)
        {
            _feed = feed;
            StartAfter = startAfter;
            _events = Channel.CreateBounded<EventRecord>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        }

        /// <summary>The feed delivers the events after this seq.</summary>
        public long StartAfter { get; }

        /// <summary>True once the feed dropped this subscriber because its buffer was full.</summary>
        public bool Dropped { get; private set; }

        public ChannelReader<EventRecord> Events => _events.Reader;

        public ValueTask DisposeAsync() => new(_feed.Unsubscribe(this));

        /// <summary>Hands over one event, waiting up to <see cref="SlowReaderGrace"/> for room; false (and dropped) when none came.</summary>
        internal async ValueTask<bool> OfferAsync(EventRecord record, CancellationToken cancellationToken)
        {
            if (_events.Writer.TryWrite(record))
            {
                return true;
            }

            using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            grace.CancelAfter(SlowReaderGrace);
            try
            {
                while (await _events.Writer.WaitToWriteAsync(grace.Token))
                {
                    if (_events.Writer.TryWrite(record))
                    {
                        return true;
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The reader made no room within the grace: it has stalled.
            }

            Close(dropped: true);
            return false;
        }

        internal void Close(bool dropped)
        {
            Dropped |= dropped;
            _events.Writer.TryComplete();
        }
    }
}
