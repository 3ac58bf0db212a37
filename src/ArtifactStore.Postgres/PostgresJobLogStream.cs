using Npgsql;

namespace ArtifactStore.Postgres;

/// <summary>
/// The write side of a job's log on the scale-out backend: every write goes to the local file at once and
/// is kept until the next flush, which appends it to the database as one chunk. The runner flushes after
/// each line it writes and after each read of the command's output, so readers see the log live.
/// </summary>
internal sealed class PostgresJobLogStream(PostgresJobLogStore store, Guid jobId, FileStream local) : Stream
{
    private readonly MemoryStream _pending = new();
    private bool _disposed;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        local.Write(buffer, offset, count);
        _pending.Write(buffer, offset, count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await local.WriteAsync(buffer, cancellationToken);
        _pending.Write(buffer.Span);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await local.FlushAsync(cancellationToken);
        if (_pending.Length == 0)
        {
            return;
        }

        try
        {
            await store.AppendAsync(jobId, _pending.GetBuffer().AsMemory(0, (int)_pending.Length), cancellationToken);
            _pending.SetLength(0);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            // The database did not answer: what is pending stays and goes with the next flush. A live log
            // that lags never fails the attempt; the log that counts is the local file the package stores.
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            await FlushAsync(CancellationToken.None);
            await local.DisposeAsync();
            await _pending.DisposeAsync();
            _disposed = true;
        }

        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            Flush();
            local.Dispose();
            _pending.Dispose();
        }

        base.Dispose(disposing);
    }
}
