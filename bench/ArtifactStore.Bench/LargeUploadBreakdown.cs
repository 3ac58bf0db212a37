using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ArtifactStore.Core.Hashing;
using ArtifactStore.FileSystem;
using Microsoft.AspNetCore.WebUtilities;

namespace ArtifactStore.Bench;

/// <summary>
/// Where the time of a large upload goes, one stage at a time and without HTTP: the client's
/// generator, each digest alone, the multipart reader, and <see cref="FileSystemBlobStore.StageAsync"/>
/// fed from memory, each against write+fsync of the same bytes measured in the same run.
/// Usage: artifactstore-bench large-parts [size-in-MiB] (default 1024).
/// </summary>
internal static class LargeUploadBreakdown
{
    private const int Chunk = 1024 * 1024;
    private const string Boundary = "----bench-boundary-7d2f";

    public static async Task<int> RunAsync(string[] args)
    {
        var sizeMiB = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1024;
        var size = (long)sizeMiB * Chunk;
        var work = Path.Combine(Path.GetTempPath(), "as-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        PatternStream.Prepare();
        try
        {
            var baseline = WriteAndFsync.Measure(Path.Combine(work, "baseline.bin"), size);
            Report("baseline write+fsync", size, baseline, baseline);
            Report("dd conv=fsync", size, DdBaseline.Measure(work, sizeMiB, writers: 1), baseline);
            Report("generator alone", size, Time(() => Drain(new PatternStream(size))), baseline);
            Report("sha-256 alone", size, Time(() => Digest(size, (sha, _, chunk) => sha.AppendData(chunk))), baseline);
            Report("blake3 alone", size, Time(() => Digest(size, (_, blake, chunk) => blake.Update(chunk))), baseline);
            Report("sha-256 + blake3 serial", size, Time(() => Digest(size, (sha, blake, chunk) =>
            {
                sha.AppendData(chunk);
                blake.Update(chunk);
            })), baseline);
            Report("multipart reader alone", size, await TimeAsync(() => ReadMultipartAsync(size, _ => DrainAsync(_))), baseline);

            var store = new FileSystemBlobStore(Path.Combine(work, "blobs"), Path.Combine(work, "tmp"));
            Report("StageAsync from memory", size, await TimeAsync(() => StageAsync(store, new PatternStream(size))), baseline);
            Report("multipart -> StageAsync", size, await TimeAsync(() => ReadMultipartAsync(size, body => StageAsync(store, body))), baseline);
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void Report(string what, long size, TimeSpan elapsed, TimeSpan baseline) =>
        Console.WriteLine($"{what,-26} {size / elapsed.TotalSeconds / 1e6,7:F0} MB/s  ratio to baseline {baseline.TotalSeconds / elapsed.TotalSeconds,5:F2}");

    private static TimeSpan Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed;
    }

    private static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        return watch.Elapsed;
    }

    private static void Drain(Stream stream)
    {
        var buffer = new byte[Chunk];
        while (stream.Read(buffer) > 0)
        {
        }
    }

    private static async Task DrainAsync(Stream stream)
    {
        var buffer = new byte[Chunk];
        while (await stream.ReadAsync(buffer) > 0)
        {
        }
    }

    private static void Digest(long size, Action<IncrementalHash, Blake3Hasher, ReadOnlySpan<byte>> append)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var blake = Blake3Hasher.Create();
        using var source = new PatternStream(size);
        var buffer = new byte[Chunk];
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            append(sha, blake, buffer.AsSpan(0, read));
        }

        _ = sha.GetHashAndReset();
        _ = blake.Finalize();
    }

    private static async Task StageAsync(FileSystemBlobStore store, Stream content)
    {
        var staged = await store.StageAsync(content, long.MaxValue, CancellationToken.None);
        await store.DiscardAsync(staged.Value, CancellationToken.None);
    }

    private static async Task ReadMultipartAsync(long size, Func<Stream, Task> consume)
    {
        var head = Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"large.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        var tail = Encoding.ASCII.GetBytes($"\r\n--{Boundary}--\r\n");
        await using var body = new ConcatenatedStream([new MemoryStream(head), new PatternStream(size), new MemoryStream(tail)]);
        var reader = new MultipartReader(Boundary, body) { BodyLengthLimit = null };
        while (await reader.ReadNextSectionAsync() is { } section)
        {
            await consume(section.Body);
        }
    }
}
