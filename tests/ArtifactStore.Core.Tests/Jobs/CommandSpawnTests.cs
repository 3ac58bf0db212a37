using System.Globalization;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Platform;

namespace ArtifactStore.Core.Tests.Jobs;

/// <summary>
/// <see cref="CommandJobHandler"/> on the <c>posix_spawn</c> path and on the fallback through <c>Process</c> and
/// <c>setsid</c> (docs/jobs.md, "How a command is started"): exit codes, signals, output into the log file or
/// through a pipe, a missing program, the environment, the working directory, and the process group killed
/// after exit and on cancel. Real processes, no server.
/// </summary>
public sealed class CommandSpawnTests : IDisposable
{
    private readonly string _jobs = Path.Combine(Path.GetTempPath(), "as-spawn-" + Guid.NewGuid().ToString("N"));
    private readonly JobWorkspace _workspace;
    private int? _group;

    public CommandSpawnTests()
    {
        _workspace = new JobWorkspace(_jobs, Guid.NewGuid());
        _workspace.Prepare();
    }

    [Fact]
    public void commands_are_spawned_here_not_through_the_setsid_program()
    {
        // The rest of this class tests the spawn path only if it is the one taken.
        Assert.True(ProcessSpawn.IsAvailable);
    }

    [Theory]
    [InlineData("exit 0", 0, true)]
    [InlineData("exit 3", 3, true)]
    [InlineData("exit 255", 255, true)]
    [InlineData("kill -TERM $$", 128 + 15, true)]
    [InlineData("kill -KILL $$", 128 + 9, true)]
    [InlineData("exit 3", 3, false)]
    [InlineData("kill -TERM $$", 128 + 15, false)]
    public async Task the_exit_code_or_128_plus_the_signal_is_returned(string script, int expected, bool spawn)
    {
        var (code, _) = await RunAsync(["sh", "-c", script], spawn);
        Assert.Equal(expected, code);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task stdout_and_stderr_are_appended_to_the_log_file_between_the_servers_own_lines(bool spawn)
    {
        await using var log = OpenLog();
        await JobLog.WriteLineAsync(log, "== header");
        var code = await Handler(["sh", "-c", "echo out; echo err >&2; printf 'no newline'"], spawn).RunAsync(Context(log), CancellationToken.None);
        await JobLog.WriteLineAsync(log, "== footer");
        await log.DisposeAsync();

        Assert.Equal(0, code);
        var text = await File.ReadAllTextAsync(_workspace.LogPath);
        if (spawn)
        {
            // One descriptor for both streams: the order is the command's.
            Assert.Equal("== header\nout\nerr\nno newline== footer\n", text);
        }
        else
        {
            // Two pipes, two pumps: each line whole, the server's lines around them.
            Assert.StartsWith("== header\n", text, StringComparison.Ordinal);
            Assert.EndsWith("== footer\n", text, StringComparison.Ordinal);
            Assert.Contains("out\n", text, StringComparison.Ordinal);
            Assert.Contains("err\n", text, StringComparison.Ordinal);
            Assert.Contains("no newline", text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task a_log_that_is_not_a_file_gets_the_output_through_a_pipe(bool spawn)
    {
        using var log = new NonFileStream();
        var code = await Handler(["sh", "-c", "echo out; echo err >&2"], spawn).RunAsync(Context(log), CancellationToken.None);

        Assert.Equal(0, code);
        var text = System.Text.Encoding.UTF8.GetString(log.ToArray());
        Assert.Equal(spawn ? "out\nerr\n" : text.Contains("out\nerr", StringComparison.Ordinal) ? "out\nerr\n" : "err\nout\n", text);
    }

    [Fact]
    public async Task a_missing_program_exits_127_with_a_line_in_the_log_and_starts_nothing()
    {
        var (code, text) = await RunAsync(["no-such-program-" + Guid.NewGuid().ToString("N")]);
        Assert.Equal(127, code);
        Assert.Contains("artifactstore: cannot start 'no-such-program-", text, StringComparison.Ordinal);
        Assert.Contains("No such file or directory", text, StringComparison.Ordinal);
        Assert.Null(_group);

        var (relative, _) = await RunAsync(["./not-here.sh"]);
        Assert.Equal(127, relative);
    }

    [Fact]
    public async Task a_missing_program_exits_127_on_the_fallback_too()
    {
        var (code, text) = await RunAsync(["no-such-program-" + Guid.NewGuid().ToString("N")], spawn: false);
        Assert.Equal(127, code);
        Assert.Contains("No such file or directory", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_program_that_exists_but_cannot_run_exits_126()
    {
        var script = Path.Combine(_workspace.Directory, "not-executable.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\nexit 0\n");
        var (code, text) = await RunAsync(["./not-executable.sh"]);
        Assert.Equal(126, code);
        Assert.Contains("artifactstore: cannot start './not-executable.sh': Permission denied", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task the_command_gets_the_job_environment_directory_no_stdin_and_default_signal_actions(bool spawn)
    {
        // The server ignores SIGPIPE; a converter must not inherit that: SigIgn and SigBlk must be empty.
        var (code, text) = await RunAsync(["sh", "-c",
            "env | sort; pwd; cat; echo stdin-done; grep -E '^Sig(Ign|Blk)' /proc/self/status; " +
            "ps -o sid= -o pgid= -p $$ | tr -s ' '; echo pid $$"], spawn);

        Assert.Equal(0, code);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var names = lines.TakeWhile(l => l.Contains('=', StringComparison.Ordinal)).Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)]).ToList();
        Assert.Contains("PATH", names);
        Assert.Contains("HOME", names);
        Assert.Contains("ARTIFACTSTORE_JOB_ID", names);
        Assert.DoesNotContain(names, n => n is "ARTIFACTSTORE_TOKEN" or "DOTNET_ROOT" or "USER" or "SHELL");
        Assert.Contains($"HOME={_workspace.HomeDirectory}", lines);
        Assert.Contains(_workspace.Directory, lines);
        Assert.Contains("stdin-done", lines);
        if (spawn)
        {
            // Only the spawn path promises this: the fallback through Process leaves some of the server's ignored
            // signals ignored in the command, as it always did.
            Assert.Contains(lines, l => l.StartsWith("SigIgn:", StringComparison.Ordinal) && l.EndsWith("0000000000000000", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("SigBlk:", StringComparison.Ordinal) && l.EndsWith("0000000000000000", StringComparison.Ordinal));
        }

        // The shell leads its own session and group, which is the group the runner is told about.
        var pid = int.Parse(lines.Single(l => l.StartsWith("pid ", StringComparison.Ordinal))[4..], CultureInfo.InvariantCulture);
        Assert.Equal(pid, _group);
        Assert.Contains($" {pid} {pid}", lines.Select(l => " " + l.Trim()));
    }

    [Fact]
    public async Task what_the_command_left_running_in_its_group_is_killed_when_it_exits()
    {
        var pidFile = Path.Combine(_workspace.Directory, "left.pid");
        var (code, _) = await RunAsync(["sh", "-c", $"sleep 60 >/dev/null 2>&1 & echo $! > {pidFile}"]);

        Assert.Equal(0, code);
        var left = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), CultureInfo.InvariantCulture);
        await WaitUntilGoneAsync(left);
        Assert.Empty(ProcessGroups.Members(_group!.Value));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task cancel_kills_the_whole_process_group_and_the_handler_ends(bool spawn)
    {
        var pidFile = Path.Combine(_workspace.Directory, "child.pid");
        await using var log = OpenLog();
        using var cancel = new CancellationTokenSource();
        var started = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = Context(log, group => started.TrySetResult(group));
        var run = Handler(["sh", "-c", $"sleep 60 & echo $! > {pidFile}; wait"], spawn, TimeSpan.FromSeconds(5)).RunAsync(context, cancel.Token);

        var group = await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        while (!File.Exists(pidFile) || (await File.ReadAllTextAsync(pidFile)).Trim().Length == 0)
        {
            await Task.Delay(20);
        }

        var child = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), CultureInfo.InvariantCulture);
        Assert.Contains(child, ProcessGroups.Members(group));
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        await WaitUntilGoneAsync(child);
        Assert.Empty(ProcessGroups.Members(group));
    }

    [Fact]
    public async Task many_commands_in_parallel_each_get_their_own_exit_code()
    {
        var runs = Enumerable.Range(0, 16).Select(async i =>
        {
            using var log = new NonFileStream();
            return await Handler(["sh", "-c", $"exit {i}"]).RunAsync(Context(log), CancellationToken.None);
        }).ToList();

        Assert.Equal(Enumerable.Range(0, 16), await Task.WhenAll(runs));
    }

    [Fact]
    public async Task children_are_reaped_by_one_reaper_thread_not_a_thread_each()
    {
        var reapedBefore = ChildReaper.Reaped;
        var runs = Enumerable.Range(0, 8).Select(async i =>
        {
            using var log = new NonFileStream();
            return await Handler(["sh", "-c", $"sleep 0.3; exit {i}"]).RunAsync(Context(log), CancellationToken.None);
        }).ToList();
        await Task.Delay(150);
        var threads = Directory.GetDirectories("/proc/self/task").Select(ThreadName).OfType<string>().ToList();

        Assert.Equal(Enumerable.Range(0, 8), await Task.WhenAll(runs));
        Assert.Contains("job reaper", threads);
        Assert.DoesNotContain(threads, t => t.StartsWith("job command wai", StringComparison.Ordinal));
        Assert.True(ChildReaper.Reaped - reapedBefore >= 8, $"the reaper reaped {ChildReaper.Reaped - reapedBefore} children, not the 8 commands");
    }

    // A thread that ends between the listing of /proc/self/task and the read of its name is skipped: it is
    // neither the reaper nor a waiting thread any more.
    private static string? ThreadName(string task)
    {
        try
        {
            return File.ReadAllText(Path.Combine(task, "comm")).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    [Theory]
    [InlineData("exit 7", 7)]
    [InlineData("kill -TERM $$", 128 + 15)]
    public async Task a_thread_of_its_own_still_reaps_a_child_where_the_reaper_is_not_used(string script, int expected)
    {
        using var output = File.OpenHandle(Path.Combine(_workspace.Directory, "out.txt"), FileMode.Create, FileAccess.Write);
        var error = ProcessSpawn.Start("/bin/sh", ["sh", "-c", script], new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" },
            _workspace.Directory, output, out var pid);

        Assert.Equal(0, error);
        Assert.Equal(expected, await ProcessSpawn.WaitForExitAsync(pid, reaper: false).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(File.Exists($"/proc/{pid}/stat") && (await File.ReadAllTextAsync($"/proc/{pid}/stat")).Contains(") Z ", StringComparison.Ordinal), "the child was left a zombie");
    }

    private static CommandJobHandler Handler(IReadOnlyList<string> command, bool spawn = true, TimeSpan? grace = null) =>
        new(command, grace ?? TimeSpan.FromSeconds(1)) { UseSpawn = spawn };

    private async Task<(int Code, string Log)> RunAsync(IReadOnlyList<string> command, bool spawn = true)
    {
        int code;
        await using (var log = OpenLog())
        {
            code = await Handler(command, spawn).RunAsync(Context(log), CancellationToken.None);
        }

        return (code, await File.ReadAllTextAsync(_workspace.LogPath));
    }

    private FileStream OpenLog()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_workspace.LogPath)!);
        return new FileStream(_workspace.LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
    }

    private JobContext Context(Stream log, Action<int>? started = null) => new()
    {
        JobId = Guid.NewGuid(),
        Type = "spawn-test",
        Attempt = 1,
        WorkingDirectory = _workspace.Directory,
        InputPath = Path.Combine(_workspace.Directory, "raw", "input.bin"),
        OutputDirectory = _workspace.ArtifactsDirectory,
        HomeDirectory = _workspace.HomeDirectory,
        TempDirectory = _workspace.TempDirectory,
        OptionsJson = "{}",
        Log = log,
        ProcessStarted = group =>
        {
            _group = group;
            started?.Invoke(group);
            return Task.CompletedTask;
        },
    };

    private static async Task WaitUntilGoneAsync(int pid)
    {
        for (var i = 0; i < 200 && File.Exists($"/proc/{pid}/stat") && !(await File.ReadAllTextAsync($"/proc/{pid}/stat")).Contains(") Z ", StringComparison.Ordinal); i++)
        {
            await Task.Delay(25);
        }

        Assert.True(!File.Exists($"/proc/{pid}/stat") || (await File.ReadAllTextAsync($"/proc/{pid}/stat")).Contains(") Z ", StringComparison.Ordinal), $"process {pid} is still running");
    }

    public void Dispose() => Directory.Delete(_jobs, recursive: true);

    /// <summary>A log stream that is not a <see cref="FileStream"/>, as the scale-out backend's is.</summary>
    private sealed class NonFileStream : MemoryStream;
}
