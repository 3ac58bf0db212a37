using System.Diagnostics;
using System.Runtime.ExceptionServices;
using ArtifactStore.Core.Errors;

namespace ArtifactStore.Core.Storage;

/// <summary>
/// A unit of work waiting for, or running in, a group commit (<see cref="GroupCommitQueue"/>). Its caller is
/// answered only once the batch it ran in has committed (or failed): nothing is acknowledged before it is
/// durable. Shared by the database adapters, which differ only in how they commit a batch.
/// </summary>
internal abstract class PendingWrite
{
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>When the unit was queued (<see cref="Stopwatch.GetTimestamp"/>), for <see cref="GroupCommitStats"/>.</summary>
    public long QueuedAt { get; } = Stopwatch.GetTimestamp();

    /// <summary>What the work threw, as the caller will see it (null when it threw nothing).</summary>
    public abstract Exception? Thrown { get; }

    /// <summary>Runs the work; true when it succeeded and its changes are to be kept.</summary>
    /// <param name="writer">The unit of work's view of the open transaction.</param>
    /// <param name="translate">The adapter's error translation, applied to whatever the work throws.</param>
    public abstract Task<bool> RunAsync(IStoreWriter writer, Func<Exception, Exception> translate);

    /// <summary>The batch committed: answers the caller with what the work returned or threw.</summary>
    public abstract void Acknowledge();

    /// <summary>
    /// The batch did not commit. Work that had been kept fails with <paramref name="failure"/>; work
    /// that had already given up (error result or exception) still answers with its own outcome,
    /// which did not depend on the commit.
    /// </summary>
    public abstract void Fail(Exception failure);

    /// <summary>Never ran (cancelled while queued, or the database closed).</summary>
    public abstract void Abandon(Exception failure);
}

/// <inheritdoc />
internal sealed class PendingWrite<T>(Func<IStoreWriter, CancellationToken, Task<Result<T>>> work, CancellationToken cancellationToken)
    : PendingWrite
{
    private readonly TaskCompletionSource<Result<T>> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Result<T> _result;
    private ExceptionDispatchInfo? _thrown;

    public Task<Result<T>> Completion => _completion.Task;

    public override CancellationToken CancellationToken => cancellationToken;

    public override Exception? Thrown => _thrown?.SourceException;

    public override async Task<bool> RunAsync(IStoreWriter writer, Func<Exception, Exception> translate)
    {
        try
        {
            _result = await work(writer, cancellationToken);
            return _result.IsSuccess;
        }
        catch (Exception e)
        {
            var translated = translate(e);
            _thrown = ReferenceEquals(translated, e) ? ExceptionDispatchInfo.Capture(e) : ExceptionDispatchInfo.Capture(translated);
            return false;
        }
    }

    public override void Acknowledge()
    {
        if (_thrown is not null)
        {
            _completion.TrySetException(_thrown.SourceException);
        }
        else
        {
            _completion.TrySetResult(_result);
        }
    }

    public override void Fail(Exception failure)
    {
        if (_thrown is not null || _result.Error is not null)
        {
            Acknowledge();
        }
        else
        {
            _completion.TrySetException(failure);
        }
    }

    public override void Abandon(Exception failure)
    {
        if (failure is OperationCanceledException)
        {
            _completion.TrySetCanceled(cancellationToken);
        }
        else
        {
            _completion.TrySetException(failure);
        }
    }
}
