using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Jobs;

namespace ArtifactStore.Core.Events;

/// <summary>
/// Payload of the terminal job events <c>v1.job.succeeded</c> (with <see cref="OutputPackageId"/>),
/// <c>v1.job.failed</c> (with <see cref="Error"/> and, for a command, <see cref="ExitCode"/>) and
/// <c>v1.job.canceled</c>. <see cref="LogPackageId"/> holds the converter's log when there is no output
/// package; <see cref="ExpiresAt"/> is when the job record's retention (the output class) ends.
/// </summary>
public sealed record JobFinished(Guid JobId, Guid? OutputPackageId, Guid? LogPackageId, JobError? Error, int? ExitCode, DateTimeOffset? ExpiresAt)
{
    public CborMap ToCbor() => new()
    {
        { "job_id", JobId.ToString() },
        { "output_package_id", CborFields.Id(OutputPackageId) },
        { "log_package_id", CborFields.Id(LogPackageId) },
        { "error", JobErrorCbor.ToCbor(Error) },
        { "exit_code", ExitCode is { } code ? new CborInteger(code) : CborNull.Instance },
        { "expires_at", CborFields.Time(ExpiresAt) },
    };

    public static JobFinished FromCbor(CborMap map) => new(
        Guid.Parse(map.GetText("job_id")),
        CborFields.Id(map, "output_package_id"),
        CborFields.Id(map, "log_package_id"),
        JobErrorCbor.FromCbor(map),
        map.TryGet("exit_code", out var code) && code is CborInteger integer ? (int)integer.ToInt64() : null,
        CborFields.Time(map, "expires_at"));
}
