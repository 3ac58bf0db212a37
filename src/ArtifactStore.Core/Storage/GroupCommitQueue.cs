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

    /// <summary>Where the loop's time goes; the adapter adds its own split of each batch.</summary>
    public GroupCommitStats Stats { get; } = new();

    /// <summary>Stops taking units, finishes the ones already queued, and stops the loop.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingWrite>(_maxBatch);
        var idleSince = Stopwatch.GetTimestamp();
        while (await _queue.Reader.WaitToReadAsync())
        {
            var started = Stopwatch.GetTimestamp();
            Stats.AddIdle(started - idleSince);
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
                var thread = Environment.CurrentManagedThreadId;
                var cpu = GroupCommitStats.ThreadCpuNanoseconds();
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

                Record(batch, started, thread, cpu);
                batch.Clear();
            }

            idleSince = Stopwatch.GetTimestamp();
        }
    }

    // The batch's callers were answered just now (their continuations run elsewhere). Its thread's CPU time counts only
    // when the batch ran on one thread throughout (a flush that yields may move it), so it is a lower bound.
    private void Record(List<PendingWrite> batch, long started, int thread, long cpuBefore)
    {
        var answered = Stopwatch.GetTimestamp();
        var cpuAfter = Environment.CurrentManagedThreadId == thread && cpuBefore >= 0 ? GroupCommitStats.ThreadCpuNanoseconds() : -1;
        long queued = 0, waited = 0;
        foreach (var pending in batch)
        {
            queued += started - pending.QueuedAt;
            waited += answered - pending.QueuedAt;
        }

        Stats.AddBatch(batch.Count, answered - started, cpuAfter >= 0 ? cpuAfter - cpuBefore : 0, queued, waited);
    }
}
