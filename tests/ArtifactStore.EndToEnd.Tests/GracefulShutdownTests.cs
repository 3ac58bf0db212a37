using System.Net;
using System.Net.Sockets;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// SIGTERM to a real server process while an upload is in flight: the server stops accepting
/// connections, lets the upload finish within <c>Shutdown:GracePeriod</c> or cuts it off after it,
/// exits 0 and releases the root. The upload is then either complete and durable, or absent.
/// </summary>
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task sigterm_lets_an_upload_in_flight_finish_then_exits_0_and_the_package_is_durable()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var head = Bytes(3 * 1024 * 1024, 1);
        var tail = Bytes(2 * 1024 * 1024, 2);
        var upload = new GatedContent(head, tail);
        string packageId;
        await using (var server = await ServerProcess.StartAsync(root))
        {
            var response = PostAsync(server, upload);
            await WaitForStagingAsync(root);

            await server.SignalTerminateAsync();
            await WaitUntilRefusingConnectionsAsync(server.Url);

            upload.Release();
            var (status, body) = await response;
            Assert.Equal(HttpStatusCode.Created, status);
            packageId = body.GetProperty("id").GetString()!;
            Assert.Equal(0, await server.WaitForExitAsync());
            Assert.Contains("is released", server.Output, StringComparison.Ordinal);
        }

        // The lock is free at once: another process opens the root, and the upload is all there.
        await using (var again = await ServerProcess.StartAsync(root))
        {
            var downloaded = await Api.DownloadAsync(again.Http, packageId, "data/big.bin");
            Assert.Equal(head.Concat(tail).ToArray(), downloaded);
            Assert.Equal(0, await again.StopAsync());
        }

        await StoreFiles.AssertViewsEqualReplayAsync(root);
    }

    [Fact]
    public async Task an_upload_still_running_when_the_grace_period_ends_is_cut_off_and_leaves_nothing_behind()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var config = StoreFiles.Config(temp, """{ "Shutdown": { "GracePeriod": "00:00:02" } }""");
        var upload = new GatedContent(Bytes(3 * 1024 * 1024, 3), Bytes(1024, 4));
        await using (var server = await ServerProcess.StartAsync(root, config))
        {
            var response = PostAsync(server, upload);
            await WaitForStagingAsync(root);

            await server.SignalTerminateAsync();
            Assert.Equal(0, await server.WaitForExitAsync());
            Assert.Contains("is released", server.Output, StringComparison.Ordinal);
            upload.Release();
            var refused = await Record.ExceptionAsync(async () => Assert.NotEqual(HttpStatusCode.Created, (await response).Status));
            Assert.True(refused is null or HttpRequestException or IOException or TaskCanceledException, refused?.ToString());
        }

        await using (var again = await ServerProcess.StartAsync(root))
        {
            var (_, list) = await Api.GetJsonAsync(again.Http, "v1/packages");
            Assert.Empty(list.GetProperty("items").EnumerateArray());
            Assert.Equal(0, StoreFiles.BlobBytes(root));
            Assert.Equal(0L, StoreFiles.Scalar(root, "SELECT COUNT(*) FROM events"));
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(root, "tmp"), "upload-*"));
            Assert.Equal(0, await again.StopAsync());
        }
    }

    private static Task<(HttpStatusCode Status, System.Text.Json.JsonElement Body)> PostAsync(ServerProcess server, GatedContent upload) =>
        Task.Run(() => Api.PostPackageAsync(server.Http, Api.Form("shutdown/upload", [("data/big.bin", upload)])));

    /// <summary>The server has begun writing the upload into tmp/: the request is in flight on its side.</summary>
    private static async Task WaitForStagingAsync(string root)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (Directory.EnumerateFiles(Path.Combine(root, "tmp"), "upload-*").Any(f => new FileInfo(f).Length > 0))
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException("the upload never reached the server's staging area");
    }

    /// <summary>After SIGTERM the listener closes: a new connection is refused while the upload still runs.</summary>
    private static async Task WaitUntilRefusingConnectionsAsync(string url)
    {
        var endpoint = new Uri(url);
        for (var attempt = 0; attempt < 600; attempt++)
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(endpoint.Host, endpoint.Port);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // The kernel had completed this handshake into the listener's backlog just as the listener
                // closed, and reset it: the listener is going. Try again until a connection is refused outright.
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException("the server kept accepting connections after SIGTERM");
    }

    private static byte[] Bytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Sends <c>head</c>, then waits for <see cref="Release"/> before sending <c>tail</c>: an upload held in flight.</summary>
    private sealed class GatedContent(byte[] head, byte[] tail) : HttpContent
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _released.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(head);
            await stream.FlushAsync();
            await _released.Task;
            await stream.WriteAsync(tail);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
