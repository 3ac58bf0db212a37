using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ArtifactStore.Core.Diagnostics;

/// <summary>
/// What the store measures, as <see cref="System.Diagnostics.Metrics"/> instruments on one <see cref="Meter"/>
/// named <see cref="MeterName"/>. Core names no metrics library: a host listens to this meter and exports what
/// it hears (the server bridges it to Prometheus, docs/metrics.md). The instrument names are already the
/// Prometheus names, so the bridge copies them unchanged. One meter per process: two stores in one process
/// (tests) add up.
/// </summary>
public static class StoreMetrics
{
    public const string MeterName = "ArtifactStore";

    public static Meter Meter { get; } = new(MeterName);

    public static Counter<long> UploadedBytes { get; } =
        Meter.CreateCounter<long>("artifactstore_uploaded_bytes_total", "bytes", "Bytes of files received in uploads (packages and job inputs), counted as they are staged.");

    public static Counter<long> DownloadedBytes { get; } =
        Meter.CreateCounter<long>("artifactstore_downloaded_bytes_total", "bytes", "Bytes of blobs sent to clients (files, manifests, blobs).");

    public static Histogram<int> CommitBatchSize { get; } =
        Meter.CreateHistogram<int>("artifactstore_group_commit_batch_size", "units", "Units of work committed together in one database transaction (group commit).");

    public static Histogram<double> CommitSeconds { get; } =
        Meter.CreateHistogram<double>("artifactstore_group_commit_duration_seconds", "seconds", "Time to run and commit one group-commit batch.");

    public static Histogram<double> FsyncSeconds { get; } =
        Meter.CreateHistogram<double>("artifactstore_fsync_duration_seconds", "seconds", "Time of one fsync of a staged file or a directory (label kind).");

    public static Histogram<double> SweepSeconds { get; } =
        Meter.CreateHistogram<double>("artifactstore_retention_sweep_duration_seconds", "seconds", "Time of one retention sweep (dry runs included, label dry_run).");

    public static Histogram<double> GcSeconds { get; } =
        Meter.CreateHistogram<double>("artifactstore_gc_duration_seconds", "seconds", "Time of one garbage collection (dry runs included, label dry_run).");

    public static Counter<long> GcPackagesDeleted { get; } =
        Meter.CreateCounter<long>("artifactstore_gc_packages_deleted_total", "packages", "Packages deleted by garbage collection (not dry runs).");

    public static Counter<long> GcFreedBytes { get; } =
        Meter.CreateCounter<long>("artifactstore_gc_freed_bytes_total", "bytes", "Bytes freed by garbage collection (not dry runs), as measured from what was removed.");

    public static Counter<long> GcIdempotencyRecordsPurged { get; } =
        Meter.CreateCounter<long>("artifactstore_gc_idempotency_records_purged_total", "records", "Completed idempotency records garbage collection purged after their window (not dry runs).");

    public static Counter<long> JobsFinished { get; } =
        Meter.CreateCounter<long>("artifactstore_jobs_finished_total", "jobs", "Jobs that reached an end state in this process (label state).");

    /// <summary>Seconds since <paramref name="startTimestamp"/> (a <see cref="Stopwatch.GetTimestamp"/>).</summary>
    public static double SecondsSince(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;

    /// <summary>Times one fsync of the given <paramref name="kind"/> (<c>file</c> or <c>directory</c>).</summary>
    public static void TimeFsync(string kind, Action fsync)
    {
        ArgumentNullException.ThrowIfNull(fsync);
        var start = Stopwatch.GetTimestamp();
        fsync();
        FsyncSeconds.Record(SecondsSince(start), new KeyValuePair<string, object?>("kind", kind));
    }
}
