using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Time;

namespace ArtifactStore.Postgres;

/// <summary>Applies the <c>v1.job.*</c> events to the <c>jobs</c> view (live and on replay alike).</summary>
internal static class PostgresJobProjector
{
    public static async Task ApplyAsync(PostgresProjector.Projection project, CborMap payload)
    {
        var record = project.Record;
        var at = project.At;
        switch (record.Type)
        {
            case EventTypes.JobSubmitted:
                var submitted = JobSubmitted.FromCbor(payload);
                await project.ExecuteAsync("""
                    INSERT INTO jobs (id, type, state, attempts, max_attempts, options, output_class, created_at, created_by, not_before, input_package_id)
                    VALUES (@id, @type, 'queued', 0, @max, @options, @class, @at, @by, @at, @input)
                    """,
                    ("id", submitted.JobId.ToString()), ("type", submitted.Type), ("max", submitted.MaxAttempts),
                    ("options", submitted.OptionsJson), ("class", submitted.OutputClass), ("at", at), ("by", record.Actor),
                    ("input", submitted.InputPackageId.ToString()));
                break;
            case EventTypes.JobStarted:
                var started = JobStarted.FromCbor(payload);
                await project.ExecuteAsync("UPDATE jobs SET state = 'running', attempts = @attempt, started_at = @at WHERE id = @id",
                    ("id", started.JobId.ToString()), ("attempt", started.Attempt), ("at", at));
                break;
            case EventTypes.JobRequeued:
                var requeued = JobRequeued.FromCbor(payload);
                await project.ExecuteAsync("""
                    UPDATE jobs SET state = 'queued', attempts = @attempts, not_before = @not_before, error_code = @code, error_message = @message
                    WHERE id = @id
                    """,
                    ("id", requeued.JobId.ToString()), ("attempts", requeued.Attempts), ("not_before", Rfc3339.ToText(requeued.NotBefore)),
                    ("code", requeued.Error?.Code), ("message", requeued.Error?.Message));
                break;
            case EventTypes.JobSucceeded or EventTypes.JobFailed or EventTypes.JobCanceled:
                var finished = JobFinished.FromCbor(payload);
                var state = record.Type switch
                {
                    EventTypes.JobSucceeded => JobState.Succeeded,
                    EventTypes.JobFailed => JobState.Failed,
                    _ => JobState.Canceled,
                };
                await project.ExecuteAsync("""
                    UPDATE jobs SET state = @state, finished_at = @at, output_package_id = @output, log_package_id = @log,
                        error_code = @code, error_message = @message, exit_code = @exit, expires_at = @expires
                    WHERE id = @id
                    """,
                    ("id", finished.JobId.ToString()), ("state", JobStates.ToText(state)), ("at", at),
                    ("output", finished.OutputPackageId?.ToString()), ("log", finished.LogPackageId?.ToString()),
                    ("code", finished.Error?.Code), ("message", finished.Error?.Message), ("exit", finished.ExitCode),
                    ("expires", Sql.Text(finished.ExpiresAt)));
                break;
            case EventTypes.JobPinned or EventTypes.JobUnpinned:
                var pin = JobPinChanged.FromCbor(payload);
                await project.ExecuteAsync("UPDATE jobs SET pinned = @pinned WHERE id = @id",
                    ("id", pin.JobId.ToString()), ("pinned", record.Type == EventTypes.JobPinned ? 1 : 0));
                break;
            case EventTypes.JobExpired:
                await project.ExecuteAsync("UPDATE jobs SET state = 'expired', expired_at = @at WHERE id = @id",
                    ("id", JobExpired.FromCbor(payload).JobId.ToString()), ("at", at));
                break;
            case EventTypes.JobTombstonePurged:
                await project.ExecuteAsync("DELETE FROM jobs WHERE id = @id", ("id", JobTombstonePurged.FromCbor(payload).JobId.ToString()));
                break;
            default:
                throw project.UnknownType();
        }
    }
}
