namespace ArtifactStore.Core.Oci;

/// <summary>
/// The registry's two views (docs/oci.md, "Tag and catalog views") in SQL that SQLite and PostgreSQL read alike, as
/// <see cref="Storage.StorageUsageSql"/> is: both adapters' projectors keep them in the unit of work that changes a
/// package, and their schema scripts backfill them with the same rules. Parameters are <c>@name</c>, which both take.
/// <list type="bullet">
/// <item><c>oci_tags (repository, tag, package_id)</c>: the newest package (greatest id, the packages' own order)
/// of the repository that is a manifest pushed under the tag, among those still recorded, live or a tombstone. A
/// pull by tag reads that one package; a tag whose newest push expired answers that it expired.</item>
/// <item><c>oci_repositories (repository, manifests)</c>: how many live manifests each repository has; a repository
/// with none has no row. The catalog and a tag list's <c>NAME_UNKNOWN</c> read it.</item>
/// </list>
/// </summary>
public static class OciViewSql
{
    /// <summary>A manifest package of the repository pushed under the tag, still recorded (alias <c>p</c>): the tag's candidates.</summary>
    private const string TagCandidates = $"""
        FROM package_labels l JOIN packages p ON p.id = l.package_id
        WHERE l.key = '{OciRegistry.TagLabel}' AND l.value = oci_tags.tag AND p.name = oci_tags.repository
          AND EXISTS (SELECT 1 FROM package_labels d WHERE d.package_id = p.id AND d.key = '{OciRegistry.DigestLabel}')
        """;

    /// <summary>A manifest was created (<c>@repository</c>): one more live manifest.</summary>
    public const string ManifestCreated = """
        INSERT INTO oci_repositories (repository, manifests) VALUES (@repository, 1)
        ON CONFLICT (repository) DO UPDATE SET manifests = oci_repositories.manifests + 1
        """;

    /// <summary>A manifest was created under a tag (<c>@repository</c>, <c>@tag</c>, <c>@id</c>): it names the tag unless a newer push does.</summary>
    public const string TagPushed = """
        INSERT INTO oci_tags (repository, tag, package_id) VALUES (@repository, @tag, @id)
        ON CONFLICT (repository, tag) DO UPDATE SET package_id = excluded.package_id WHERE excluded.package_id > oci_tags.package_id
        """;

    /// <summary>Package <c>@id</c> is being deleted (run before its state changes): a live manifest fewer.</summary>
    public const string ManifestDeleting = $"""
        UPDATE oci_repositories SET manifests = manifests - 1
        WHERE repository = (SELECT name FROM packages WHERE id = @id AND state = 'live')
          AND EXISTS (SELECT 1 FROM package_labels WHERE package_id = @id AND key = '{OciRegistry.DigestLabel}')
        """;

    /// <summary>After <see cref="ManifestDeleting"/>: the repository of package <c>@id</c> leaves when it has no live manifest left.</summary>
    public const string RepositoryEmptied = """
        DELETE FROM oci_repositories WHERE repository = (SELECT name FROM packages WHERE id = @id) AND manifests <= 0
        """;

    /// <summary>
    /// The tombstone of package <c>@id</c> was purged (run after its rows are gone): a tag it named falls back to its
    /// newest push still recorded, and leaves when there is none. Rare (tombstones of a tag's newest push only), and
    /// proportional to the pushes of that one tag.
    /// </summary>
    public const string TagTargetPurged = $"""
        DELETE FROM oci_tags WHERE package_id = @id AND NOT EXISTS (SELECT 1 {TagCandidates})
        """;

    /// <summary>After <see cref="TagTargetPurged"/>: the tags package <c>@id</c> named that still have a push point at the newest.</summary>
    public const string TagRetargeted = $"""
        UPDATE oci_tags SET package_id = (SELECT MAX(p.id) {TagCandidates}) WHERE package_id = @id
        """;

    /// <summary>The package the tag names (<c>@repository</c>, <c>@tag</c>), live or a tombstone.</summary>
    public const string FindTag = "SELECT package_id FROM oci_tags WHERE repository = @repository AND tag = @tag";

    /// <summary>
    /// Tags after <c>@last</c> whose newest push is live and not marked eligible for deletion, in byte order, at most
    /// <c>@limit</c>: reads the repository's tags from <c>@last</c> on, not its pushes.
    /// </summary>
    public const string ListTags = """
        SELECT t.tag FROM oci_tags t JOIN packages p ON p.id = t.package_id
        WHERE t.repository = @repository AND t.tag > @last AND p.state = 'live' AND p.eligible = 0
        ORDER BY t.tag LIMIT @limit
        """;

    /// <summary>1 when repository <c>@repository</c> has a live manifest.</summary>
    public const string HasManifests = "SELECT COUNT(*) FROM oci_repositories WHERE repository = @repository";

    /// <summary>Repositories with a live manifest after <c>@last</c>, in byte order, at most <c>@limit</c> (the catalog).</summary>
    public const string ListRepositories = "SELECT repository FROM oci_repositories WHERE repository > @last ORDER BY repository LIMIT @limit";
}
