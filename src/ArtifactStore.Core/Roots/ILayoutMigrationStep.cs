namespace ArtifactStore.Core.Roots;

/// <summary>
/// One step of a data root's layout migration: it moves a root from layout <see cref="FromVersion"/> to
/// <c>FromVersion + 1</c>. The runner holds the root's lock while it runs and records the new version
/// in the marker only after it returns, so a step must be idempotent: after a crash anywhere inside
/// it, running it again from the start must complete it (check before each change whether it is done).
/// </summary>
public interface ILayoutMigrationStep
{
    int FromVersion { get; }

    /// <summary>What the step changes, for the operator.</summary>
    string Description { get; }

    /// <summary>Makes the change under <paramref name="rootPath"/>, durably (fsynced) before returning.</summary>
    void Apply(string rootPath);
}
