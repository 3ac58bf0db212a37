using ArtifactStore.Core.Errors;
using Npgsql;

namespace ArtifactStore.Postgres;

/// <summary>
/// The adapter's error translation: PostgreSQL's <c>disk_full</c> (SQLSTATE 53100) is Core's
/// <see cref="StorageFullException"/>, so the server answers 507 <c>insufficient_storage</c> for it as for
/// a full data root.
/// </summary>
internal static class PostgresStorageFull
{
    private const string DiskFull = "53100";

    public static Exception Translate(Exception failure) =>
        failure is PostgresException { SqlState: DiskFull } postgres
            ? new StorageFullException($"{StorageFull.Message} (PostgreSQL: {postgres.MessageText})", failure)
            : failure;
}
