using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Health;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Conformance.Tests;

/// <summary>
/// A database as one service sees it, telling the test when that service's units of work have been queued. Group
/// commit queues a unit synchronously inside <see cref="IStoreDatabase.WriteAsync{T}"/>, so once a unit is counted
/// here it is in the queue, behind whatever was queued before it: a test can line up units of several services in
/// a known order behind a unit that holds the writer, and they then run in one batch (one transaction).
/// </summary>
public sealed class QueuedWrites(IStoreDatabase inner) : IStoreDatabase
{
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
    private int _queued;

    public IViewQueries Views => inner.Views;

    /// <summary>How many units have been queued through this view so far.</summary>
    public int Queued
    {
        get
        {
            lock (_gate)
            {
                return _queued;
            }
        }
    }

    /// <summary>Completes once <paramref name="count"/> units in all have been queued through this view.</summary>
    public Task QueuedAsync(int count)
    {
        lock (_gate)
        {
            if (_queued >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, reached));
            return reached.Task;
        }
    }

    public Task<Result<T>> WriteAsync<T>(Func<IStoreWriter, CancellationToken, Task<Result<T>>> work, CancellationToken cancellationToken)
    {
        var written = inner.WriteAsync(work, cancellationToken);
        lock (_gate)
        {
            _queued++;
            foreach (var waiter in _waiters.Where(w => w.Count <= _queued).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Reached.TrySetResult();
            }
        }

        return written;
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

    public IAsyncEnumerable<EventRecord> ReadEventsAsync(long afterSeq, int limit, CancellationToken cancellationToken) =>
        inner.ReadEventsAsync(afterSeq, limit, cancellationToken);

    public IAsyncEnumerable<EventRecord> ReadStreamAsync(string stream, CancellationToken cancellationToken) => inner.ReadStreamAsync(stream, cancellationToken);

    public Task RebuildViewsAsync(CancellationToken cancellationToken) => inner.RebuildViewsAsync(cancellationToken);

    public Task<HealthCheck> CheckHealthAsync(CancellationToken cancellationToken) => inner.CheckHealthAsync(cancellationToken);

    /// <summary>The store owns the database: closing this view closes nothing.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
