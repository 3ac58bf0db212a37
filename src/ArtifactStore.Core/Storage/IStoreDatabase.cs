using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Health;

namespace ArtifactStore.Core.Storage;

/// <summary>
/// The database port: the append-only event log, the views derived from it and the idempotency
/// records, changed together in units of work. Implementations: SQLite (embedded), later PostgreSQL.
/// </summary>
public interface IStoreDatabase : IAsyncDisposable
{
    /// <summary>
    /// Creates or migrates the schema and clears state owned by processes that no longer run. Idempotent.
    /// A backend that guarantees one process per database (the embedded one, by its root lock) treats every
    /// lease as its dead owner's: job leases become expired and maintenance leases are dropped. A backend
    /// shared by live replicas leaves leases alone; they lapse when their holders stop renewing them.
    /// </summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> as one atomic unit of work. Units of work are serialized. When the
    /// work returns success, everything it wrote (events, views, idempotency records) is committed
    /// durably (fsynced) before this returns; when it returns an error or throws, nothing is kept.
    /// </summary>
    Task<Result<T>> WriteAsync<T>(Func<IStoreWriter, CancellationToken, Task<Result<T>>> work, CancellationToken cancellationToken);

    /// <summary>Read access to the views. Reads see only committed units of work.</summary>
    IViewQueries Views { get; }

    /// <summary>Events with <c>seq &gt; afterSeq</c> in order, at most <paramref name="limit"/> of them.</summary>
    IAsyncEnumerable<EventRecord> ReadEventsAsync(long afterSeq, int limit, CancellationToken cancellationToken);

    /// <summary>The events of one stream (e.g. <c>package:&lt;id&gt;</c>) in log order.</summary>
    IAsyncEnumerable<EventRecord> ReadStreamAsync(string stream, CancellationToken cancellationToken);

    /// <summary>Drops every view and rebuilds it by replaying all events in order.</summary>
    Task RebuildViewsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Whether the database answers and its schema is the version this binary expects (the
    /// readiness check <c>database</c>). Read-only: never creates, migrates or changes anything, so it
    /// may also be called on a database that <see cref="InitializeAsync"/> has not opened. Never
    /// throws for an unreachable database; the result says why and what to do.
    /// </summary>
    Task<HealthCheck> CheckHealthAsync(CancellationToken cancellationToken);
}
