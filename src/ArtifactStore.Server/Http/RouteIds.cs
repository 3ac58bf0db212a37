using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Ids;

namespace ArtifactStore.Server.Http;

/// <summary>
/// Reads the id in a route (<c>/v1/packages/{id}</c>, <c>/v1/jobs/{id}</c>, <c>…/holds/{hold_id}</c>). Only the
/// canonical spelling names a resource (<see cref="CanonicalId"/>); any other text names nothing, so it gets the
/// resource's own 404 code, as an id that was never issued does. The refusal does not repeat the text: an answer
/// carries only ids the store issued.
/// </summary>
public static class RouteIds
{
    public static Result<Guid> Package(string text) => Read(text, ErrorCodes.PackageNotFound, "package");

    public static Result<Guid> Job(string text) => Read(text, ErrorCodes.JobNotFound, "job");

    public static Result<Guid> Hold(string text) => Read(text, ErrorCodes.HoldNotFound, "hold");

    public static Result<Guid> Upload(string text) => Read(text, Core.Uploads.UploadErrorCodes.UploadNotFound, "upload session");

    private static Result<Guid> Read(string text, string notFoundCode, string what) =>
        CanonicalId.TryParse(text, out var id)
            ? id
            : new StoreError(notFoundCode,
                $"the path does not name a {what}: ids are written in lower-case hexadecimal in 8-4-4-4-12 groups, e.g. {CanonicalId.Example}");
}
