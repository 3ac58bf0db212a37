using System.Diagnostics;
using System.Globalization;

namespace ArtifactStore.Bench;

/// <summary>
/// The large-upload baseline a user would compare with: real <c>dd if=/dev/zero of=FILE bs=1M count=N conv=fsync</c>,
/// one or several at once, into the benchmark's own directory (the same disk as the server's data root). Each
/// writer has a file of its own, removed afterwards; the time is from the first start to the last exit.
/// </summary>
internal static class DdBaseline
{
    public static TimeSpan Measure(string directory, int sizeMiB, int writers)
    {
        var files = Enumerable.Range(0, writers).Select(i => Path.Combine(directory, $"dd-{i}.bin")).ToList();
        var watch = Stopwatch.StartNew();
        var processes = files.Select(file => Start(file, sizeMiB)).ToList();
        try
        {
            foreach (var process in processes)
            {
                var error = process.StandardError.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"dd failed (exit {process.ExitCode}): {error}");
                }
            }

            watch.Stop();
            return watch.Elapsed;
        }
        finally
        {
            foreach (var process in processes)
            {
                process.Dispose();
            }

            foreach (var file in files)
            {
                File.Delete(file);
            }
        }
    }

    private static Process Start(string file, int sizeMiB)
    {
        var info = new ProcessStartInfo("dd", ["if=/dev/zero", $"of={file}", "bs=1M", "count=" + sizeMiB.ToString(CultureInfo.InvariantCulture), "conv=fsync"])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return Process.Start(info) ?? throw new InvalidOperationException("dd could not be started");
    }
}
