using Microsoft.Win32.SafeHandles;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// A file that takes up every free byte of a filesystem, as another program filling the disk would.
/// Top it up before each step: a refused write may give back space (a staged upload it removed),
/// and a full disk must be full again for the next one.
/// </summary>
internal sealed class Ballast : IDisposable
{
    private const int Page = 4096;
    private const int NoSpaceLeft = 28; // ENOSPC
    private readonly SafeFileHandle _file;

    private Ballast(string path)
    {
        Path = path;
        _file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write);
    }

    public string Path { get; }

    /// <summary>Creates the ballast at <paramref name="path"/> and fills its filesystem until a write is refused.</summary>
    public static Ballast Fill(string path)
    {
        var ballast = new Ballast(path);
        ballast.Write(1024 * 1024);
        ballast.TopUp();
        return ballast;
    }

    /// <summary>Takes whatever has become free since, down to the last page.</summary>
    public void TopUp() => Write(Page);

    /// <summary>Deletes the ballast: its space is free again.</summary>
    public void Dispose()
    {
        _file.Dispose();
        File.Delete(Path);
    }

    private void Write(int chunk)
    {
        var buffer = new byte[chunk];
        Array.Fill(buffer, (byte)0xA5);
        try
        {
            while (true)
            {
                RandomAccess.Write(_file, buffer, RandomAccess.GetLength(_file));
            }
        }
        catch (IOException e) when (e.HResult == NoSpaceLeft)
        {
            // No space left: the filesystem is full (a short write took what was left of the last page).
        }
    }
}
