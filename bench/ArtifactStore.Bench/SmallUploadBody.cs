using System.Buffers.Binary;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace ArtifactStore.Bench;

/// <summary>
/// One client's request body for a one-file package, built once before the timed window: the same multipart
/// shape <c>MultipartFormDataContent</c> sends (a <c>name</c> field, then one <c>file</c> part), whose file bytes
/// are random and whose first 13 bytes are overwritten before each request with the client, the request's number,
/// the round and a tag, so every upload still stores a new blob. A client sends one request at a time, so it
/// reuses its buffer: the load generator allocates no body, no form and no part per request.
/// </summary>
internal sealed class SmallUploadBody
{
    private const string Boundary = "as-bench-small-0123456789";
    private static readonly MediaTypeHeaderValue MultipartType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=\"" + Boundary + "\"");

    private readonly byte[] _body;
    private readonly int _fileOffset;
    private readonly int _client;

    public SmallUploadBody(int client, int fileSize)
    {
        var head = Encoding.ASCII.GetBytes(
            $"--{Boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: form-data; name=name\r\n\r\n" +
            $"bench/small/{client.ToString(CultureInfo.InvariantCulture)}\r\n" +
            $"--{Boundary}\r\nContent-Type: application/octet-stream\r\nContent-Disposition: form-data; name=file; filename=f.bin\r\n\r\n");
        var tail = Encoding.ASCII.GetBytes($"\r\n--{Boundary}--\r\n");
        _body = new byte[head.Length + fileSize + tail.Length];
        head.CopyTo(_body, 0);
        Random.Shared.NextBytes(_body.AsSpan(head.Length, fileSize));
        tail.CopyTo(_body, head.Length + fileSize);
        _fileOffset = head.Length;
        _client = client;
    }

    /// <summary>The body of request <paramref name="n"/> of <paramref name="round"/>, valid until the next call.</summary>
    public ByteArrayContent Next(int n, int round)
    {
        var file = _body.AsSpan(_fileOffset);
        BinaryPrimitives.WriteInt32LittleEndian(file, _client);
        BinaryPrimitives.WriteInt32LittleEndian(file[4..], n);
        BinaryPrimitives.WriteInt32LittleEndian(file[8..], round);
        // 'h': uploads of this client; the wrk script's content starts with 'w', so the two never coincide.
        file[12] = (byte)'h';
        var content = new ByteArrayContent(_body);
        content.Headers.ContentType = MultipartType;
        return content;
    }
}
