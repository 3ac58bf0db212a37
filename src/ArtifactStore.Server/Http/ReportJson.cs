using ArtifactStore.Core.Gc;
using ArtifactStore.Core.Retention;
using ArtifactStore.Core.Security;
using ArtifactStore.Core.Time;

namespace ArtifactStore.Server.Http;

/// <summary>JSON documents for sweep and GC reports and tokens, shared by the API and the command line.</summary>
public static class ReportJson
{
    public static object Sweep(SweepReport report) => new
    {
        as_of = Rfc3339.ToText(report.AsOf),
        dry_run = report.DryRun,
        eligible = report.Eligible.Select(e => new
        {
            package_id = e.PackageId.ToString(),
            name = e.Name,
            expires_at = e.ExpiresAt is { } at ? Rfc3339.ToText(at) : null,
        }).ToList(),
        jobs_expired = report.ExpiredJobs.Select(id => id.ToString()).ToList(),
    };

    public static object Gc(GcReport report) => new
    {
        started_at = Rfc3339.ToText(report.StartedAt),
        dry_run = report.DryRun,
        packages_deleted = report.PackagesDeleted.Select(p => new { package_id = p.PackageId.ToString(), name = p.Name, bytes_released = p.BytesReleased }).ToList(),
        blobs_reaped = report.BlobsReaped.Select(b => new { digest = b.Digest.ToString(), bytes = b.Bytes }).ToList(),
        orphans_removed = report.OrphansRemoved.Select(b => new { digest = b.Digest.ToString(), bytes = b.Bytes }).ToList(),
        tombstones_purged = report.TombstonesPurged.Select(id => id.ToString()).ToList(),
        job_tombstones_purged = report.JobTombstonesPurged.Select(id => id.ToString()).ToList(),
        uploads_expired = report.UploadsExpired.Select(u => new { upload_id = u.UploadId.ToString(), bytes = u.Bytes }).ToList(),
        bytes_freed = report.BytesFreed,
    };

    public static object Token(TokenRecord token) => new
    {
        token_id = token.TokenId,
        name = token.Name,
        role = Roles.Name(token.Role),
        created_at = Rfc3339.ToText(token.CreatedAt),
        created_by = token.CreatedBy,
        revoked_at = token.RevokedAt is { } at ? Rfc3339.ToText(at) : null,
        revoked_by = token.RevokedBy,
    };
}
