using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Jobs;

namespace ArtifactStore.Core.Events;

/// <summary>The <c>error</c> member job events share: <c>{code, message}</c> or null.</summary>
internal static class JobErrorCbor
{
    public static CborValue ToCbor(JobError? error) =>
        error is null ? CborNull.Instance : new CborMap { { "code", error.Code }, { "message", error.Message } };

    public static JobError? FromCbor(CborMap map) =>
        map.TryGet("error", out var value) && value is CborMap error ? new JobError(error.GetText("code"), error.GetText("message")) : null;
}
