using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using ArtifactStore.Core.Blobs;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// Several large multipart uploads at once into a real server (docs/upload.md; docs/performance.md, "Large
/// uploads"): staged with O_DIRECT through the pipeline, each acknowledged package holds exactly the bytes
/// sent, also after a kill -9 and a restart, and the server's peak resident memory stays under 256 MiB.
/// </summary>
public sealed class ConcurrentLargeUploadTests
{
    private const int MiB = 1024 * 1024;
    private const int UploadCount = 4;

    [Fact]
    public async Task four_large_uploads_at_once_are_each_byte_identical_after_a_kill_9_and_memory_stays_bounded()
    {
        using var dir = new TempDirectory();
        var root = dir.Combine("root");
        // Lengths that are not whole 4 KiB blocks, so each upload ends with a tail written through the page cache.
        var lengths = Enumerable.Range(0, UploadCount).Select(i => (160L * MiB) + (i * 4097L) + 1).ToArray();
        var sources = lengths.Select((length, i) => new GeneratedStream(length, seed: 40 + i)).ToArray();
        string[] ids;

        await using (var server = await ServerProcess.StartAsync(root))
        {
            // Unbuffered bodies of unknown length: the client sends them chunked, as it streams them.
            var created = await Task.WhenAll(sources.Select((source, i) => Task.Run(async () =>
            {
                using var form = new MultipartFormDataContent { { new StringContent($"concurrent/{i}"), "name" } };
                var part = new StreamContent(source, MiB);
                part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                form.Add(part, "file", "large.bin");
                return await Api.PostPackageAsync(server.Http, form);
            })));

            Assert.All(created, c => Assert.Equal(HttpStatusCode.Created, c.Status));
            ids = created.Select(c => c.Body.GetProperty("id").GetString()!).ToArray();
            var peakMiB = Uploads.Memory(server.Pid).PeakKb / 1024;
            Assert.True(peakMiB < 256, $"the server's peak resident memory was {peakMiB} MiB with {UploadCount} large uploads at once");

            // Acknowledged means durable: nothing may depend on the process living on.
            await server.KillAsync();
        }

        await using var restarted = await ServerProcess.StartAsync(root);
        for (var i = 0; i < UploadCount; i++)
        {
            using var response = await restarted.Http.GetAsync($"/v1/packages/{ids[i]}/files/large.bin", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var body = await response.Content.ReadAsStreamAsync();
            var (length, digest) = await DigestAsync(body);
            Assert.Equal(lengths[i], length);
            Assert.Equal(sources[i].Sha256, digest);
        }
    }

    private static async Task<(long Length, string Sha256)> DigestAsync(Stream body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[MiB];
        long length = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            length += read;
        }

        return (length, "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>A non-seekable stream of seeded pseudo-random bytes that knows the SHA-256 of what it handed out.</summary>
    private sealed class GeneratedStream(long length, int seed) : ReadOnlyStream
    {
        private readonly Random _random = new(seed);
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _position;
        private string? _sha256;

        /// <summary>The digest of every byte read; available once the stream has been read to its end.</summary>
        public string Sha256 => _sha256 ?? throw new InvalidOperationException("the stream was not read to its end");

        public override int Read(Span<byte> buffer)
        {
            var take = (int)Math.Min(buffer.Length, length - _position);
            if (take == 0)
            {
                _sha256 ??= "sha256:" + Convert.ToHexStringLower(_hash.GetHashAndReset());
                return 0;
            }

            _random.NextBytes(buffer[..take]);
            _hash.AppendData(buffer[..take]);
            _position += take;
            return take;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
