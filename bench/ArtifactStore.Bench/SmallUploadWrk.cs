using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ArtifactStore.Bench;

/// <summary>
/// The small-writes load from <c>wrk -t2 -cN</c> (C, two threads) with a Lua script that posts one-file packages:
/// the same multipart shape as <see cref="SmallUploadBody"/>, random file bytes chosen once per thread, the first 32
/// bytes a tag unique to the run, thread and request, and 16 package names as the .NET clients use. The script counts
/// the 201s itself (wrk's own request count includes other answers), and its CPU is read from this process's
/// reaped-children times in /proc, so the table can say what the load generator costs per package.
/// </summary>
internal static partial class SmallUploadWrk
{
    private const string Script = """
        -- main state: number the threads, keep them to add up their counts at the end
        local threads = {}
        function setup(thread)
          table.insert(threads, thread)
          thread:set("thread_id", #threads)
        end

        -- each thread's state
        created, failed = 0, 0
        local n, run, filler, headers, boundary = 0, "", "", {}, "as-bench-small-0123456789"
        function init(args)
          run = args[1]
          local size = tonumber(args[2])
          math.randomseed(os.time() + thread_id * 7919)
          local bytes = {}
          for i = 1, size - 32 do bytes[i] = string.char(math.random(0, 255)) end
          filler = table.concat(bytes)
          headers["Content-Type"] = "multipart/form-data; boundary=\"" .. boundary .. "\""
        end

        function request()
          n = n + 1
          local tag = string.format("%-32s", string.format("w%d-%s-%d", thread_id, run, n))
          local body = "--" .. boundary .. "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: form-data; name=name\r\n\r\n" ..
            "bench/small/w" .. thread_id .. "-" .. (n % 8) .. "\r\n--" .. boundary ..
            "\r\nContent-Type: application/octet-stream\r\nContent-Disposition: form-data; name=file; filename=f.bin\r\n\r\n" ..
            tag .. filler .. "\r\n--" .. boundary .. "--\r\n"
          return wrk.format("POST", "/v1/packages", headers, body)
        end

        function response(status, headers, body)
          if status == 201 then created = created + 1 else failed = failed + 1 end
        end

        function done(summary, latency, requests)
          local c, f = 0, 0
          for _, t in ipairs(threads) do
            c = c + t:get("created")
            f = f + t:get("failed")
          end
          io.write(string.format("as-bench created %d failed %d duration_us %d p99_us %d\n", c, f, summary.duration, latency:percentile(99)))
        end
        """;

    private static int _runs;

    public static bool Available() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "wrk")));

    /// <summary>Installs wrk with apt when it is missing (bench only); false when that is not possible.</summary>
    public static bool Ensure()
    {
        if (Available())
        {
            return true;
        }

        Console.Error.WriteLine("installing wrk with apt (bench only)");
        foreach (var arguments in new[] { new[] { "install", "-y", "-q", "wrk" }, ["update", "-q"], ["install", "-y", "-q", "wrk"] })
        {
            try
            {
                using var apt = Process.Start(new ProcessStartInfo("apt-get", arguments) { UseShellExecute = false, RedirectStandardOutput = true })!;
                _ = apt.StandardOutput.ReadToEnd();
                apt.WaitForExit();
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false;
            }

            if (Available())
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One run of <paramref name="connections"/> connections for <paramref name="duration"/>; the script is written to <paramref name="work"/>.</summary>
    public static WrkRun Run(string url, string work, int connections, TimeSpan duration, int fileSize)
    {
        var script = Path.Combine(work, "small-upload.lua");
        if (!File.Exists(script))
        {
            File.WriteAllText(script, Script);
        }

        // Every run's content differs from every other's against the same store (the tag carries the run).
        var run = Interlocked.Increment(ref _runs).ToString(CultureInfo.InvariantCulture);
        var seconds = Math.Max(1, (int)Math.Round(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var info = new ProcessStartInfo("wrk", ["-t2", $"-c{connections}", $"-d{seconds}s", "-s", script, url + "/v1/packages", "--", run,
            fileSize.ToString(CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        };
        var childCpu = ReapedChildrenCpu();
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        childCpu = ReapedChildrenCpu() - childCpu;
        var summary = SummaryPattern().Match(output);
        if (process.ExitCode != 0 || !summary.Success)
        {
            throw new InvalidOperationException($"wrk failed against {url}:\n{output}");
        }

        long Field(int group) => long.Parse(summary.Groups[group].Value, CultureInfo.InvariantCulture);
        return new WrkRun(Field(1), Field(2), TimeSpan.FromMicroseconds(Field(3)), Field(4) / 1000.0, childCpu);
    }

    /// <summary>User + system CPU of this process's children that have exited and been waited for (cutime + cstime).</summary>
    private static TimeSpan ReapedChildrenCpu()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    [GeneratedRegex(@"as-bench created (\d+) failed (\d+) duration_us (\d+) p99_us (\d+)")]
    private static partial Regex SummaryPattern();
}

/// <summary>What one wrk run did: packages acknowledged (201), other answers, how long, p99 in ms, wrk's own CPU.</summary>
internal sealed record WrkRun(long Created, long Failed, TimeSpan Elapsed, double P99, TimeSpan ClientCpu);
