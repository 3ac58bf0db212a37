using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>This machine's addresses and listening sockets, to see where a server is reachable from.</summary>
internal static class LocalAddresses
{
    /// <summary>
    /// An IPv4 address of this machine that is not loopback: connecting to it makes the server see a
    /// non-loopback caller. The exposure tests need one; a machine without any network interface cannot run them.
    /// </summary>
    public static IPAddress NonLoopback() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? throw new InvalidOperationException("this test needs a non-loopback IPv4 address on this machine (it connects through it to be a non-loopback caller)");

    /// <summary>The local addresses of every listening TCP socket on <paramref name="port"/>, read from /proc/net/tcp and tcp6.</summary>
    public static IReadOnlyList<IPAddress> ListeningOn(int port)
    {
        var found = new List<IPAddress>();
        foreach (var file in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var local = fields[1].Split(':');
                const string Listen = "0A";
                if (fields[3] == Listen && int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                {
                    found.Add(Parse(local[0]));
                }
            }
        }

        return found;
    }

    /// <summary>/proc/net/tcp* print an address as 32-bit words in host (little-endian) byte order.</summary>
    private static IPAddress Parse(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        for (var word = 0; word < bytes.Length; word += 4)
        {
            Array.Reverse(bytes, word, 4);
        }

        return new IPAddress(bytes);
    }
}
