using System.Runtime.InteropServices;
using ArtifactStore.Core.Errors;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

/// <summary>
/// The adapter's error translation for a full disk: every failure that leaves the SQLite code goes
/// through <see cref="Translate"/>, which turns SQLite's forms of "no space" into the one Core type,
/// <see cref="StorageFullException"/>. SQLite reports a write that found no space as
/// <c>SQLITE_FULL</c>; other failed writes (an exhausted quota, growing the WAL index) are
/// <c>SQLITE_IOERR_*</c>, told apart by the <c>errno</c> SQLite recorded for them.
/// </summary>
internal static partial class SqliteStorageFull
{
    private const int SqliteFull = 13;
    private const int SqliteIoErr = 10;

    /// <summary><paramref name="failure"/> as a <see cref="StorageFullException"/> if it (or what it wraps) is a full disk, else unchanged.</summary>
    /// <param name="failure">What a statement, a commit or opening the database threw.</param>
    /// <param name="connection">The connection it happened on, whose recorded <c>errno</c> explains an I/O error; may be null.</param>
    public static Exception Translate(Exception failure, SqliteConnection? connection)
    {
        if (failure is StorageFullException)
        {
            return failure;
        }

        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is SqliteException sqlite && IsFull(sqlite, connection))
            {
                return new StorageFullException(StorageFull.Message, failure);
            }
        }

        return StorageFull.IsCause(failure) ? new StorageFullException(StorageFull.Message, failure) : failure;
    }

    private static bool IsFull(SqliteException e, SqliteConnection? connection) =>
        e.SqliteErrorCode == SqliteFull || (e.SqliteErrorCode == SqliteIoErr && StorageFull.IsErrno(SystemErrno(connection)));

    /// <summary>The <c>errno</c> of the last failed system call SQLite made on this connection (0 when unknown).</summary>
    private static int SystemErrno(SqliteConnection? connection)
    {
        var handle = connection?.Handle;
        if (handle is null || handle.IsInvalid || handle.IsClosed)
        {
            return 0;
        }

        try
        {
            return NativeSystemErrno(handle.DangerousGetHandle());
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // An SQLite build without sqlite3_system_errno: only SQLITE_FULL is recognised.
            return 0;
        }
    }

    // The same native library Microsoft.Data.Sqlite uses (SQLitePCLRaw's e_sqlite3 bundle), which does
    // not expose this function itself.
    [LibraryImport("e_sqlite3", EntryPoint = "sqlite3_system_errno")]
    private static partial int NativeSystemErrno(nint database);
}
