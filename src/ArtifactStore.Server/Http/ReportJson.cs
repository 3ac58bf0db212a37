using ArtifactStore.Contract;
using ArtifactStore.Core.Gc;
using ArtifactStore.Core.Retention;
using ArtifactStore.Core.Security;
using ArtifactStore.Core.Time;

namespace ArtifactStore.Server.Http;

/// <summary>JSON documents for sweep and GC reports and tokens, shared by the API and the command line.</summary>
public static class ReportJson
{
    public static SweepReportDocument Sweep(SweepReport report) => new(
        Rfc3339.ToText(report.AsOf),
        report.DryRun,
        [.. report.Eligible.Select(e => new EligiblePackageDocument(e.PackageId.ToString(), e.Name, e.ExpiresAt is { } at ? Rfc3339.ToText(at) : null))],
        [.. report.ExpiredJobs.Select(id => id.ToString())]);

    public static GcReportDocument Gc(GcReport report) => new(
        Rfc3339.ToText(report.StartedAt),
        report.DryRun,
        [.. report.PackagesDeleted.Select(p => new DeletedPackageDocument(p.PackageId.ToString(), p.Name, p.BytesReleased))],
        [.. report.BlobsReaped.Select(b => new BlobRemovedDocument(b.Digest.ToString(), b.Bytes))],
        [.. report.OrphansRemoved.Select(b => new BlobRemovedDocument(b.Digest.ToString(), b.Bytes))],
        report.UploadsAborted,
        [.. report.TombstonesPurged.Select(id => id.ToString())],
        [.. report.JobTombstonesPurged.Select(id => id.ToString())],
        [.. report.UploadsExpired.Select(u => new ExpiredUploadDocument(u.UploadId.ToString(), u.Bytes))],
        report.BytesFreed,
        report.IdempotencyRecordsPurged);

    public static TokenDocument Token(TokenRecord token) => new(
        token.TokenId,
        token.Name,
        Roles.Name(token.Role),
        Rfc3339.ToText(token.CreatedAt),
        token.CreatedBy,
        token.RevokedAt is { } at ? Rfc3339.ToText(at) : null,
        token.RevokedBy);
}
