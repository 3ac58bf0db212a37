using System.Diagnostics;
using System.Threading.Channels;
using ArtifactStore.Core.Diagnostics;
using ArtifactStore.Core.Errors;

namespace ArtifactStore.Core.Storage;

/// <summary>
/// The queue in front of a database adapter's group commit. Units of work queue up; one loop takes every
/// unit that is waiting (up to the batch size) and hands them to the adapter's commit, which runs them one
/// after the other in one transaction and answers each (<see cref="PendingWrite"/>) only after that
/// transaction's outcome is known. Units cancelled while queued never run. If the commit throws, every unit
/// of the batch fails with it and the loop goes on with the next batch, so no caller is left waiting.
/// </summary>
internal sealed class GroupCommitQueue : IAsyncDisposable
{
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly int _maxBatch;
    private readonly Func<List<PendingWrite>, Task> _commitBatch;
    private readonly string _owner;
    private readonly Task _loop;

    /// <param name="maxBatch">The most units one transaction runs.</param>
    /// <param name="commitBatch">Runs and commits a batch, answering each of its units.</param>
    /// <param name="owner">Names the database in the error a unit queued after closing gets.</param>
    public GroupCommitQueue(int maxBatch, Func<List<PendingWrite>, Task> commitBatch, string owner)
    {
        _maxBatch = maxBatch;
        _commitBatch = commitBatch;
        _owner = owner;
        _loop = Task.Run(RunAsync);
    }

    public Task<Result<T>> WriteAsync<T>(Func<IStoreWriter, CancellationToken, Task<Result<T>>> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingWrite<T>(work, cancellationToken);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(_owner, "the database is closed");
        }

        return pending.Completion;
    }

    /// <summary>Stops taking units, finishes the ones already queued, and stops the loop.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingWrite>(_maxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var next))
            {
                if (next.CancellationToken.IsCancellationRequested)
                {
                    next.Abandon(new OperationCanceledException(next.CancellationToken));
                }
                else
                {
                    batch.Add(next);
                }
            }

            if (batch.Count > 0)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await _commitBatch(batch);
                    StoreMetrics.CommitBatchSize.Record(batch.Count);
                    StoreMetrics.CommitSeconds.Record(StoreMetrics.SecondsSince(started));
                }
                catch (Exception e)
                {
                    // Never leave callers waiting, and keep serving the units that come next.
                    foreach (var pending in batch)
                    {
                        pending.Fail(e);
                    }
                }

                batch.Clear();
            }
        }
    }
}
