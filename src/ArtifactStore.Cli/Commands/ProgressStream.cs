using System.Globalization;

namespace ArtifactStore.Cli.Commands;

/// <summary>
/// A stream wrapper that shows how much of an upload has been read (or of a download written), on stderr, a
/// few times a second. <see cref="Progress.Wrap"/> adds it only when stderr is a terminal.
/// </summary>
internal sealed class ProgressStream(Stream inner, long total, string label) : Stream
{
    private long _sent;
    private long _lastShown = Environment.TickCount64;

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => inner.Length;

    public override long Position { get => _sent; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        inner.Write(buffer, offset, count);
        Count(count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await inner.WriteAsync(buffer, cancellationToken);
        if (buffer.Length > 0)
        {
            Count(buffer.Length);
        }

        if (_sent == total)
        {
            Count(0);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Count(int read)
    {
        _sent += read;
        var now = Environment.TickCount64;
        if (read == 0 || now - _lastShown >= 250)
        {
            _lastShown = now;
            var percent = total > 0 ? (100.0 * _sent / total).ToString("0", CultureInfo.InvariantCulture) : "100";
            Console.Error.Write($"\r{label}: {Mib(_sent)} of {Mib(total)} MiB ({percent}%)   ");
            if (read == 0)
            {
                Console.Error.WriteLine();
            }
        }

        return read;
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);
}
