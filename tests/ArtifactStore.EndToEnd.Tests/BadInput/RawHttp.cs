using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace ArtifactStore.EndToEnd.Tests.BadInput;

/// <summary>
/// Sends a request byte for byte over a fresh connection: HttpClient normalises paths (<c>..</c>), refuses
/// some targets and always frames bodies correctly, which is exactly what a bad-input test must not do.
/// </summary>
internal static class RawHttp
{
    public static async Task<RawResponse> SendAsync(Uri server, BadRequest request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        await using var stream = client.GetStream();
        var head = new StringBuilder();
        head.Append(request.Method).Append(' ').Append(request.Target).Append(" HTTP/1.1\r\n");
        head.Append("Host: ").Append(server.Host).Append(':').Append(server.Port.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        head.Append("Connection: close\r\n");
        foreach (var (name, value) in request.Headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        var body = request.Body ?? [];
        if (request.Chunked)
        {
            head.Append("Transfer-Encoding: chunked\r\n");
        }
        else if (request.Body is not null)
        {
            head.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        }

        head.Append("\r\n");
        try
        {
            await stream.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()));
            if (request.Chunked)
            {
                // Chunks of 8 KiB, as a streaming client would send them.
                for (var offset = 0; offset < body.Length; offset += 8192)
                {
                    var length = Math.Min(8192, body.Length - offset);
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
                    await stream.WriteAsync(body.AsMemory(offset, length));
                    await stream.WriteAsync("\r\n"u8.ToArray());
                }

                await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
            }
            else
            {
                await stream.WriteAsync(body);
            }
        }
        catch (IOException)
        {
            // The server may answer (413, 400) and close before the whole body is sent; its answer is still there to read.
        }

        // No half-close: Kestrel takes a client's FIN as the end of the connection and would drop the answer.
        // "Connection: close" makes the server close once it has answered.
        using var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received);
        }
        catch (IOException) when (received.Length > 0)
        {
            // A reset after the answer (the server closed with unread request bytes) loses nothing we need.
        }

        return RawResponse.Parse(received.ToArray());
    }
}

/// <summary>A response as read off the wire: status, headers (names lower-cased) and the decoded body.</summary>
internal sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? MediaType => Headers.TryGetValue("content-type", out var type) ? type.Split(';')[0].Trim() : null;

    public static RawResponse Parse(byte[] bytes)
    {
        var text = Encoding.Latin1.GetString(bytes);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            throw new InvalidOperationException($"no complete response was received: '{text}'");
        }

        var lines = text[..end].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }

        var body = bytes.AsSpan(end + 4).ToArray();
        if (headers.TryGetValue("transfer-encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }

        return new RawResponse(status, headers, body);
    }

    private static byte[] Dechunk(byte[] chunked)
    {
        using var output = new MemoryStream();
        var position = 0;
        while (position < chunked.Length)
        {
            var lineEnd = chunked.AsSpan(position).IndexOf("\r\n"u8);
            var size = int.Parse(Encoding.ASCII.GetString(chunked, position, lineEnd).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            position += lineEnd + 2;
            if (size == 0)
            {
                break;
            }

            output.Write(chunked, position, size);
            position += size + 2;
        }

        return output.ToArray();
    }
}
