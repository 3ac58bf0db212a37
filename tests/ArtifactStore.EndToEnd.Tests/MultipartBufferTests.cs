using System.Net;
using System.Text;
using System.Text.Json;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// The multipart reader's buffer follows the request's size (a body under 64 KiB gets a buffer just larger than
/// itself, a larger or unsized one 64 KiB; docs/performance.md, "Server CPU per small write: the HTTP side"). Bodies
/// of exactly the sizes around each choice, the longest boundary RFC 2046 allows, an unsized (chunked) body and one
/// cut short all read as before, on a real server process.
/// </summary>
public sealed class MultipartBufferTests
{
    private const string ShortBoundary = "b";
    private static readonly string LongBoundary = new('x', 70);

    [Fact]
    public async Task bodies_of_every_size_around_the_buffer_choices_store_their_exact_bytes()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));

        var cases = new List<(string What, string Boundary, int BodyBytes, bool Sized)>
        {
            ("the smallest buffer", ShortBoundary, 300, true),
            ("one byte under the smallest buffer", ShortBoundary, 1023, true),
            ("the smallest buffer exactly", ShortBoundary, 1024, true),
            ("a 70-character boundary in a small body", LongBoundary, 700, true),
            ("a small package", ShortBoundary, 4500, true),
            ("one byte under 64 KiB", ShortBoundary, 65535, true),
            ("64 KiB exactly", ShortBoundary, 65536, true),
            ("one byte over 64 KiB", LongBoundary, 65537, true),
            ("several buffers", ShortBoundary, 300_000, true),
            ("a small body without a length", ShortBoundary, 4500, false),
        };
        for (var i = 0; i < cases.Count; i++)
        {
            var (what, boundary, bodyBytes, sized) = cases[i];
            var (body, file) = Body(boundary, i, bodyBytes);
            Assert.Equal(bodyBytes, body.Length);
            using HttpContent content = sized ? new ByteArrayContent(body) : new UnsizedContent(body);
            content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={boundary}");
            using var response = await server.Http.PostAsync("v1/packages", content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{what}: {(int)response.StatusCode} {text}");
            if (!sized)
            {
                Assert.Null(content.Headers.ContentLength);
            }

            var id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
            var stored = await Api.DownloadAsync(server.Http, id, "f.bin");
            Assert.True(file.SequenceEqual(stored), $"{what}: the stored bytes differ");
        }
    }

    [Fact]
    public async Task a_body_shorter_than_its_boundary_line_is_malformed_not_a_failure()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        foreach (var (boundaryLength, bodyBytes) in new[] { (1, 2), (70, 40) })
        {
            var boundary = new string('y', boundaryLength);
            var body = Encoding.ASCII.GetBytes(("--" + boundary + "\r\nContent-Disposition: form-data")[..bodyBytes]);
            using var content = new ByteArrayContent(body);
            content.Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={boundary}");
            using var response = await server.Http.PostAsync("v1/packages", content);
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("malformed_request", problem.GetProperty("code").GetString());
        }
    }

    /// <summary>A one-file package form of exactly <paramref name="bodyBytes"/> bytes; the file fills what the framing leaves.</summary>
    private static (byte[] Body, byte[] File) Body(string boundary, int index, int bodyBytes)
    {
        var head = Encoding.ASCII.GetBytes(
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nmultipart/{index}\r\n" +
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        var tail = Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n");
        var file = new byte[bodyBytes - head.Length - tail.Length];
        new Random(bodyBytes).NextBytes(file);
        byte[] body = [.. head, .. file, .. tail];
        return (body, file);
    }

    /// <summary>Content whose length is not known in advance, so the client sends it chunked, without Content-Length.</summary>
    private sealed class UnsizedContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
