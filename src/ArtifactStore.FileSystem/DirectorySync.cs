using ArtifactStore.Core.Platform;

namespace ArtifactStore.FileSystem;

/// <summary>
/// Directory fsyncs shared by concurrent callers: whoever asks while a round of fsyncs runs waits for
/// the next round, which covers every directory asked for meanwhile once. So many small blobs stored
/// at the same time pay for one round instead of one fsync each (docs/upload.md).
/// </summary>
internal sealed class DirectorySync
{
    private readonly Lock _gate = new();
    private HashSet<string> _pending = new(StringComparer.Ordinal);
    private TaskCompletionSource? _next;
    private bool _running;

    /// <summary>Completes once <paramref name="directory"/> has been fsynced after this call; faults if that fsync failed.</summary>
    public Task SyncAsync(string directory)
    {
        lock (_gate)
        {
            _pending.Add(directory);
            _next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var round = _next.Task;
            if (!_running)
            {
                _running = true;
                _ = Task.Run(RunRounds);
            }

            return round;
        }
    }

    private void RunRounds()
    {
        while (true)
        {
            HashSet<string> directories;
            TaskCompletionSource round;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _running = false;
                    return;
                }

                (directories, _pending) = (_pending, new HashSet<string>(StringComparer.Ordinal));
                round = _next!;
                _next = null;
            }

            try
            {
                // After the first fsync the filesystem journal usually holds every new entry, so the rest are cheap.
                foreach (var directory in directories)
                {
                    Posix.FsyncDirectory(directory);
                }

                round.SetResult();
            }
            catch (Exception e)
            {
                // Nothing put into these directories in this round may be relied on: every waiter fails.
                round.SetException(e);
            }
        }
    }
}
