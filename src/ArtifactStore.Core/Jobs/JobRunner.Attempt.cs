using System.Globalization;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Packages;

namespace ArtifactStore.Core.Jobs;

public sealed partial class JobRunner
{
    /// <summary>
    /// Steps 2–5 for one leased attempt. Never throws: whatever happens ends in an outcome or a logged
    /// problem. Every phase (preparing, running, collecting and storing the output) observes
    /// <see cref="RunningJob.Abort"/>, so a stop ends the attempt wherever it is.
    /// </summary>
    private async Task RunAttemptAsync(JobView job, int attempt, RunningJob running)
    {
        var type = Jobs.Find(job.Type)!;
        var workspace = new JobWorkspace(jobsDirectory, job.Id);
        var keepLog = false;
        var cleared = false;

        // Step 4, run before the outcome is recorded: what the outcome needs is staged by then, and no other
        // attempt of the job can start here before the commit that requeues or ends it.
        void Clear()
        {
            if (!cleared && !running.IsAbandoned)
            {
                cleared = true;
                CleanUp(job, workspace, keepLog);
            }
        }

        try
        {
            // Step 2: the working directory, with the input copied from its verified blob.
            if (!(_spareDirectories.TryDequeue(out var spare) && workspace.TryAdopt(spare)))
            {
                workspace.Prepare();
            }

            await using (var logStream = await logs.OpenAppendAsync(job.Id, CancellationToken.None))
            {
                AttemptOutcome outcome;
                try
                {
                    var input = await CopyInputAsync(job, workspace, logStream, running.Abort.Token);
                    if (!input.IsSuccess)
                    {
                        running.EndCommand();
                        await FinishAsync(job, attempt, AttemptOutcome.FailedNow(new JobError(JobError.InputUnavailable, input.Error.Message), null), workspace, running, Clear);
                        return;
                    }

                    workspace.WriteManifest(job, attempt, input.Value.File, "running", time.GetUtcNow());
                    await JobLog.WriteLineAsync(logStream, $"== attempt {attempt} of {job.MaxAttempts}, {Time.Rfc3339.ToText(time.GetUtcNow())}, {InstanceId}");

                    // Step 3: run under the timeout.
                    outcome = await RunHandlerAsync(job, type, attempt, workspace, input.Value.Path, logStream, running);
                }
                catch (OperationCanceledException) when (running.StopReason != JobStopReason.None)
                {
                    // Stopped while the input was being copied.
                    outcome = OutcomeOfStop(job, type, attempt, running.StopReason, workspace);
                }

                // No command of this attempt runs any more (its group was killed): the slot may start its next job
                // while this attempt stores its output and records its outcome.
                running.EndCommand();
                await JobLog.WriteLineAsync(logStream, $"== attempt {attempt} ended: {outcome.Describe()}");

                // Steps 4 and 5: the working directory removed, then the one outcome.
                keepLog = outcome.Kind == OutcomeKind.Retry && !_leasing.IsCancellationRequested;
                await FinishAsync(job, attempt, outcome, workspace, running, Clear);
            }
        }
        catch (Exception e)
        {
            // A broken environment (disk full, store closing): leave the job running; the lease expires or recovery requeues it.
            OnProblem?.Invoke($"job {job.Id} attempt {attempt} could not be completed", e);
        }
        finally
        {
            // Step 4, where the outcome did not get to it: nothing of the attempt stays behind but, between retries
            // here, the log. An abandoned attempt leaves the directory alone: the runner has cleared it, and the job
            // may have moved on.
            Clear();
        }
    }

    private void CleanUp(JobView job, JobWorkspace workspace, bool keepLog)
    {
        try
        {
            if (keepLog)
            {
                workspace.DeleteAllButLog();
            }
            else if (_spareDirectories.Count < SpareDirectoriesKept && workspace.TryClearForReuse())
            {
                // Kept, emptied, for the slot's next job (docs/jobs.md, "The worker pool"); under a name that is no
                // job's, so a job seen ended still has no directory, and recovery removes it like any stray one.
                var spare = Path.Combine(jobsDirectory, ".spare-" + Guid.NewGuid().ToString("N"));
                try
                {
                    Directory.Move(workspace.Directory, spare);
                    _spareDirectories.Enqueue(spare);
                }
                catch (IOException)
                {
                    workspace.Delete();
                }
            }
            else
            {
                workspace.Delete();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            OnProblem?.Invoke($"cannot remove the working directory of job {job.Id}", e);
        }
    }

    /// <summary>The handler has returned, and a command's group was killed with it: its number may be reused from now on.</summary>
    private void ForgetProcessGroup(JobView job, JobWorkspace workspace)
    {
        try
        {
            workspace.ForgetProcessGroup();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            OnProblem?.Invoke($"cannot remove the process-group record of job {job.Id}", e);
        }
    }

    /// <summary>What a stopped attempt records: the stop's own outcome, or for a timeout a failure (retried while attempts are left).</summary>
    private static AttemptOutcome OutcomeOfStop(JobView job, JobType type, int attempt, JobStopReason reason, JobWorkspace workspace) => reason switch
    {
        JobStopReason.Canceled => AttemptOutcome.Canceled(),
        JobStopReason.Shutdown => AttemptOutcome.Shutdown(),
        JobStopReason.LeaseLost => AttemptOutcome.LeaseLost(),
        _ => Failed(job, type, attempt, new JobError(JobError.Timeout,
            $"attempt {attempt} ran longer than its timeout ({type.Timeout}) and was killed; log tail: {workspace.LogTail()}"), null),
    };

    private static AttemptOutcome Failed(JobView job, JobType type, int attempt, JobError error, int? exitCode) =>
        attempt < job.MaxAttempts ? AttemptOutcome.Retry(error, exitCode, type.BackoffAfter(attempt)) : AttemptOutcome.FailedNow(error, exitCode);

    private async Task<Result<(PackageFile File, string Path)>> CopyInputAsync(JobView job, JobWorkspace workspace, Stream logStream, CancellationToken cancellationToken)
    {
        var package = await database.Views.GetPackageAsync(job.InputPackageId, cancellationToken);
        if (package is null || package.State != PackageState.Live || package.Files.Count != 1)
        {
            return new StoreError(ErrorCodes.PackageNotFound, $"the input package {job.InputPackageId} is gone or does not hold exactly one file");
        }

        var file = package.Files[0];
        var opened = await blobReader.OpenAsync(file.Sha256, file.Size, needRandomAccess: false, cancellationToken);
        if (!opened.IsSuccess)
        {
            return opened.Error;
        }

        var path = workspace.InputPath(file.Path);
        try
        {
            // The blob is read as it comes (a file, or bytes from the database); the local copy is written on this
            // thread, as an asynchronous write to a local file only hands the same blocking write to another thread.
            await using var content = opened.Value.Stream;
            using var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
            var buffer = new byte[(int)Math.Clamp(file.Size, 1, 64 * 1024)];
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                target.Write(buffer, 0, read);
            }
        }
        catch (Blobs.BlobCorruptException e)
        {
            await JobLog.WriteLineAsync(logStream, $"artifactstore: the input is corrupt: {e.Message}");
            return new StoreError(ErrorCodes.BlobCorrupt, e.Message);
        }

        return (file, path);
    }

    private async Task<AttemptOutcome> RunHandlerAsync(JobView job, JobType type, int attempt, JobWorkspace workspace, string inputPath, Stream logStream, RunningJob running)
    {
        // The timeout is one more reason to stop, so that it is held to the same deadline as a cancel.
        using var timeout = new CancellationTokenSource(type.Timeout, time);
        using var onTimeout = timeout.Token.Register(() => running.Stop(JobStopReason.TimedOut));
        var handler = type.Handler ?? new CommandJobHandler(type.Command, Jobs.KillGracePeriod, type.PassEnvironment);
        var context = new JobContext
        {
            JobId = job.Id,
            Type = job.Type,
            Attempt = attempt,
            WorkingDirectory = workspace.Directory,
            InputPath = inputPath,
            OutputDirectory = workspace.ArtifactsDirectory,
            HomeDirectory = workspace.HomeDirectory,
            TempDirectory = workspace.TempDirectory,
            OptionsJson = job.OptionsJson,
            Log = logStream,
            ProcessStarted = group =>
            {
                // Where a process started after a crash of this one finds the group to kill. The lease carries it
                // too from the next heartbeat on; neither costs a commit of its own (docs/jobs.md, "The worker pool").
                running.ProcessGroup = group;
                workspace.RecordProcessGroup(group);
                return Task.CompletedTask;
            },
        };

        int exitCode;
        try
        {
            exitCode = await handler.RunAsync(context, running.Abort.Token);
        }
        catch (OperationCanceledException) when (running.StopReason != JobStopReason.None)
        {
            return OutcomeOfStop(job, type, attempt, running.StopReason, workspace);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await JobLog.WriteLineAsync(logStream, $"artifactstore: the handler failed: {e.Message}");
            return Failed(job, type, attempt, new JobError(JobError.HandlerFailed, $"the handler of job type '{job.Type}' failed: {e.Message}"), null);
        }
        finally
        {
            running.ProcessGroup = null;
            if (!running.IsAbandoned)
            {
                ForgetProcessGroup(job, workspace);
            }
        }

        if (running.StopReason != JobStopReason.None)
        {
            return OutcomeOfStop(job, type, attempt, running.StopReason, workspace);
        }

        return exitCode == 0
            ? AttemptOutcome.Succeeded()
            : Failed(job, type, attempt, new JobError(JobError.ExitCode,
                $"exited with code {exitCode.ToString(CultureInfo.InvariantCulture)}; log tail: {workspace.LogTail()}"), exitCode);
    }
}
