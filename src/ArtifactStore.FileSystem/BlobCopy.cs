using System.Buffers;
using ArtifactStore.Core.Blobs;

namespace ArtifactStore.FileSystem;

/// <summary>Copies blob bytes to a file, durably, computing both digests of what passed through.</summary>
public static class BlobCopy
{
    /// <summary>
    /// Writes <paramref name="source"/> to a temporary sibling of <paramref name="destinationPath"/>,
    /// fsyncs it and renames it into place. The caller fsyncs the destination directory (so that many
    /// copies into one directory share it). Returns the digests and length of the bytes copied.
    /// </summary>
    public static async Task<(BlobDigest Sha256, string Blake3Hex, long Length)> CopyAsync(Stream source, string destinationPath, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destinationPath)!);
        var temp = destinationPath + ".partial-" + Guid.NewGuid().ToString("N");
        using var digester = new DualDigester();
        var buffer = ArrayPool<byte>.Shared.Rent(1024 * 1024);
        try
        {
            await using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    digester.Append(buffer.AsSpan(0, read));
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                target.Flush(flushToDisk: true);
            }

            File.Move(temp, destinationPath, overwrite: false);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var (sha256, blake3) = digester.Finish();
        return (sha256, blake3, digester.Length);
    }
}
