using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// A client that goes away in the middle of a large multipart upload, on a real server (docs/upload.md, "Order of
/// durable writes"): the staging pipeline stops, nothing is left in <c>tmp/</c>, no blob is stored and no package
/// exists; the same content sent whole afterwards is stored byte-identical.
/// </summary>
public sealed class UploadDisconnectTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task a_client_that_disconnects_midway_leaves_no_staged_file_no_blob_and_no_package()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);
        var content = new byte[12 * MiB];
        new Random(13).NextBytes(content);

        var tmp = Path.Combine(root, "tmp");
        // 7 MiB of 12 in several pipeline chunks, then the connection closes without the rest.
        await SendPartOfUploadAsync(server.Port, content, sent: (7 * MiB) + 123, tmp);

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (Directory.EnumerateFileSystemEntries(tmp).Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp));
        Assert.Empty(BlobFiles(root));
        var (_, listed) = await Api.GetJsonAsync(server.Http, "v1/packages?name=cut/off");
        Assert.Equal(0, listed.GetProperty("items").GetArrayLength());

        var (status, _) = await Api.PostPackageAsync(server.Http, Api.Form("cut/off", Api.Files(("big.bin", content))));
        Assert.Equal(HttpStatusCode.Created, status);
        var (_, created) = await Api.GetJsonAsync(server.Http, "v1/packages?name=cut/off");
        var id = created.GetProperty("items")[0].GetProperty("id").GetString()!;
        Assert.Equal(content, await Api.DownloadAsync(server.Http, id, "big.bin"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp));
    }

    /// <summary>
    /// Sends a multipart POST that announces the whole content, writes only its first <paramref name="sent"/> bytes,
    /// waits until the server has a staged file in <paramref name="tmp"/>, and closes.
    /// </summary>
    private static async Task SendPartOfUploadAsync(int port, byte[] content, int sent, string tmp)
    {
        const string boundary = "cut-off-boundary";
        var head = Encoding.ASCII.GetBytes(
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\ncut/off\r\n" +
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        var tail = Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n");
        var length = head.Length + content.Length + tail.Length;
        var request = Encoding.ASCII.GetBytes(
            $"POST /v1/packages HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {length}\r\n\r\n");

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await using (var stream = new NetworkStream(socket, ownsSocket: false))
        {
            await stream.WriteAsync(request);
            await stream.WriteAsync(head);
            for (var at = 0; at < sent; at += MiB)
            {
                await stream.WriteAsync(content.AsMemory(at, Math.Min(MiB, sent - at)));
            }

            await stream.FlushAsync();
        }

        // The server is staging the file when the client goes away, not before it began.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!Directory.EnumerateFileSystemEntries(tmp).Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.NotEmpty(Directory.EnumerateFileSystemEntries(tmp));

        // A reset rather than an orderly end: the server must treat either as a broken body.
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private static IEnumerable<string> BlobFiles(string root)
    {
        var blobs = Path.Combine(root, "blobs");
        return Directory.Exists(blobs) ? Directory.EnumerateFiles(blobs, "*", SearchOption.AllDirectories) : [];
    }
}
