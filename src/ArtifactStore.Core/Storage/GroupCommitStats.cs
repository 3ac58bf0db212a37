using System.Diagnostics;
using ArtifactStore.Core.Platform;

namespace ArtifactStore.Core.Storage;

/// <summary>
/// Where the one serialized writer's time goes (docs/performance.md, "Small writes: the writer's critical path"):
/// wall time running units, flushing, committing (the WAL append and its fsync) and idle, the CPU time of the
/// thread that ran each batch, batch sizes, and how long callers waited from enqueue to start and to answer.
/// Updated only by the group commit's loop, a few clock reads per batch and one per unit; read from any thread
/// as an approximate <see cref="Snapshot"/>.
/// </summary>
internal sealed class GroupCommitStats
{
    private long _batches;
    private long _units;
    private long _unitTicks;
    private long _flushTicks;
    private long _commitTicks;
    private long _idleTicks;
    private long _busyTicks;
    private long _threadCpuNanoseconds;
    private long _queuedTicks;
    private long _answeredTicks;

    public GroupCommitSnapshot Snapshot() => new(
        Volatile.Read(ref _batches), Volatile.Read(ref _units), Seconds(Volatile.Read(ref _unitTicks)), Seconds(Volatile.Read(ref _flushTicks)),
        Seconds(Volatile.Read(ref _commitTicks)), Seconds(Volatile.Read(ref _idleTicks)), Seconds(Volatile.Read(ref _busyTicks)),
        Volatile.Read(ref _threadCpuNanoseconds) / 1e9, Seconds(Volatile.Read(ref _queuedTicks)), Seconds(Volatile.Read(ref _answeredTicks)));

    internal void AddIdle(long ticks) => Volatile.Write(ref _idleTicks, _idleTicks + ticks);

    /// <summary>A batch ran: its wall time, its thread's CPU time (when it stayed on one thread), its units' waits.</summary>
    internal void AddBatch(int units, long busyTicks, long threadCpuNanoseconds, long queuedTicks, long answeredTicks)
    {
        Volatile.Write(ref _batches, _batches + 1);
        Volatile.Write(ref _units, _units + units);
        Volatile.Write(ref _busyTicks, _busyTicks + busyTicks);
        Volatile.Write(ref _threadCpuNanoseconds, _threadCpuNanoseconds + threadCpuNanoseconds);
        Volatile.Write(ref _queuedTicks, _queuedTicks + queuedTicks);
        Volatile.Write(ref _answeredTicks, _answeredTicks + answeredTicks);
    }

    /// <summary>The adapter's split of a batch: running its units, its flushes, its commit.</summary>
    internal void AddSplit(long unitTicks, long flushTicks, long commitTicks)
    {
        Volatile.Write(ref _unitTicks, _unitTicks + unitTicks);
        Volatile.Write(ref _flushTicks, _flushTicks + flushTicks);
        Volatile.Write(ref _commitTicks, _commitTicks + commitTicks);
    }

    /// <summary>The calling thread's CPU time in nanoseconds (Linux), or -1 where it cannot be read.</summary>
    internal static long ThreadCpuNanoseconds() =>
        OperatingSystem.IsLinux() && Posix.ClockGetTime(Posix.ClockThreadCpuTimeId, out var now) == 0 ? (now.Seconds * 1_000_000_000L) + now.Nanoseconds : -1;

    private static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;
}

/// <summary>Totals since the database opened (seconds are wall time unless named CPU).</summary>
public sealed record GroupCommitSnapshot(
    long Batches, long Units, double UnitSeconds, double FlushSeconds, double CommitSeconds, double IdleSeconds, double BusySeconds,
    double ThreadCpuSeconds, double QueuedSeconds, double AnsweredSeconds)
{
    /// <summary>The change from <paramref name="before"/> to this snapshot.</summary>
    public GroupCommitSnapshot Since(GroupCommitSnapshot before) => new(
        Batches - before.Batches, Units - before.Units, UnitSeconds - before.UnitSeconds, FlushSeconds - before.FlushSeconds,
        CommitSeconds - before.CommitSeconds, IdleSeconds - before.IdleSeconds, BusySeconds - before.BusySeconds,
        ThreadCpuSeconds - before.ThreadCpuSeconds, QueuedSeconds - before.QueuedSeconds, AnsweredSeconds - before.AnsweredSeconds);
}
