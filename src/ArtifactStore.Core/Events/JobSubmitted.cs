using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Events;

/// <summary>Payload of <c>v1.job.submitted</c>. <see cref="OptionsJson"/> is canonical JSON (RFC 8785).</summary>
public sealed record JobSubmitted(Guid JobId, string Type, string OptionsJson, Guid InputPackageId, int MaxAttempts, string OutputClass)
{
    public CborMap ToCbor() => new()
    {
        { "job_id", JobId.ToString() },
        { "type", Type },
        { "options", OptionsJson },
        { "input_package_id", InputPackageId.ToString() },
        { "max_attempts", MaxAttempts },
        { "output_class", OutputClass },
    };

    public static JobSubmitted FromCbor(CborMap map) => new(
        Guid.Parse(map.GetText("job_id")),
        map.GetText("type"),
        map.GetText("options"),
        Guid.Parse(map.GetText("input_package_id")),
        (int)map.GetInt64("max_attempts"),
        map.GetText("output_class"));
}
