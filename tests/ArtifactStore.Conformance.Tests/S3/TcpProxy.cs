using System.Net;
using System.Net.Sockets;

namespace ArtifactStore.Conformance.Tests.S3;

/// <summary>
/// A loopback TCP forwarder in front of the S3 server, so a test can take the object store away and give
/// it back: <see cref="Stop"/> closes the listener and every connection (new ones are refused), and
/// <see cref="Start"/> listens again on the same port. With <c>answer: false</c> it accepts connections and
/// never answers, as a hung server does.
/// </summary>
internal sealed class TcpProxy : IDisposable
{
    private readonly IPEndPoint _target;
    private readonly bool _answer;
    private readonly List<TcpClient> _connections = [];
    private readonly Lock _gate = new();
    private TcpListener? _listener;

    public TcpProxy(Uri target, bool answer = true)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _answer = answer;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Listens (again); nothing when already listening.</summary>
    public void Start()
    {
        if (_listener is not null)
        {
            return;
        }

        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        _listener = listener;
        _ = Task.Run(() => AcceptAsync(listener));
    }

    public void Stop()
    {
        _listener?.Stop();
        _listener = null;
        lock (_gate)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }

            _connections.Clear();
        }
    }

    public void Dispose() => Stop();

    private async Task AcceptAsync(TcpListener listener)
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            lock (_gate)
            {
                _connections.Add(client);
            }

            if (_answer)
            {
                _ = Task.Run(() => ForwardAsync(client));
            }
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(_target);
            lock (_gate)
            {
                _connections.Add(server);
            }

            var up = client.GetStream().CopyToAsync(server.GetStream());
            var down = server.GetStream().CopyToAsync(client.GetStream());
            await Task.WhenAny(up, down);
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            // One side went away: the connection ends, as it would on a real network.
        }
        finally
        {
            client.Dispose();
        }
    }
}
