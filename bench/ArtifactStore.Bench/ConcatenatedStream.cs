using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Bench;

/// <summary>Reads several streams one after the other, as one read-only stream.</summary>
internal sealed class ConcatenatedStream(IReadOnlyList<Stream> parts) : ReadOnlyStream
{
    private int _current;

    public override int Read(Span<byte> buffer)
    {
        while (_current < parts.Count)
        {
            var read = parts[_current].Read(buffer);
            if (read > 0)
            {
                return read;
            }

            _current++;
        }

        return 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var part in parts)
            {
                part.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
