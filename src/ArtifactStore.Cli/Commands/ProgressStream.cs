using System.Globalization;

namespace ArtifactStore.Cli.Commands;

/// <summary>A read-only stream wrapper that shows how much of an upload has been sent, on stderr, a few times a second.</summary>
internal sealed class ProgressStream(Stream inner, long total, string label) : Stream
{
    private long _sent;
    private long _lastShown = Environment.TickCount64;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position { get => _sent; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

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
