using System.Runtime.InteropServices;
using ArtifactStore.Core.Platform;

namespace ArtifactStore.Core.Tests.Platform;

/// <summary>
/// The open(2) flags whose values differ between architectures do what their names say on the machine
/// running the tests: a wrong value is silently a different flag (on ARM, x86's O_NOFOLLOW is O_LARGEFILE).
/// </summary>
public sealed class OpenFlagsTests : IDisposable
{
    private const int ENotDir = 20;
    private const int ELoop = 40;
    private readonly string _dir = Directory.CreateTempSubdirectory("as-openflags-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void o_nofollow_refuses_a_symbolic_link_and_opens_a_regular_file()
    {
        var target = Path.Combine(_dir, "target");
        File.WriteAllText(target, "x");
        var link = Path.Combine(_dir, "link");
        File.CreateSymbolicLink(link, target);

        Assert.Equal(ELoop, OpenError(link, Posix.ORdOnly | Posix.ONoFollow | Posix.OCloexec));
        Assert.Equal(0, OpenError(target, Posix.ORdOnly | Posix.ONoFollow | Posix.OCloexec));
    }

    [Fact]
    public void o_directory_refuses_a_regular_file_and_opens_a_directory()
    {
        var file = Path.Combine(_dir, "file");
        File.WriteAllText(file, "x");

        Assert.Equal(ENotDir, OpenError(file, Posix.ORdOnly | Posix.ODirectory | Posix.OCloexec));
        Assert.Equal(0, OpenError(_dir, Posix.ORdOnly | Posix.ODirectory | Posix.OCloexec));
    }

    // 0 when the open succeeded (the descriptor is closed again), else its errno.
    private static int OpenError(string path, int flags)
    {
        var fd = Posix.Open(path, flags, 0);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError();
        }

        Posix.Close(fd);
        return 0;
    }
}
