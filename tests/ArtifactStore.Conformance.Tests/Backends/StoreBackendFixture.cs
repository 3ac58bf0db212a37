namespace ArtifactStore.Conformance.Tests.Backends;

/// <summary>
/// What a backend provides to join the conformance suites: one subclass, used as the class fixture of
/// one empty subclass per contract. It opens stores; the contracts do the rest through the ports.
/// </summary>
public abstract class StoreBackendFixture
{
    /// <summary>Shown in failure messages.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Opens the store kept under <paramref name="directory"/> (creating it when it does not exist yet),
    /// with its database initialized. Opening the same directory again after the last one was disposed is
    /// a restart: everything committed before must be there. <paramref name="directory"/> is also the
    /// place for any local files the backend needs; a backend whose data lives elsewhere derives its
    /// database and bucket names from it.
    /// </summary>
    public abstract Task<TestBackend> OpenAsync(string directory, TimeProvider time, CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="sql"/> on the database of the store kept for <paramref name="directory"/>, behind the store's
    /// back while none is open on it: how a test turns a store into one an older binary left (schema migrations). Both
    /// database adapters read the same SQL for such simple statements.
    /// </summary>
    public virtual Task ExecuteSqlAsync(string directory, string sql, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"the {Name} fixture runs no SQL of its own");

    /// <summary>Removes everything kept for <paramref name="directory"/>. Called after the last store on it was disposed.</summary>
    public virtual Task DeleteAsync(string directory, CancellationToken cancellationToken)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }
}
