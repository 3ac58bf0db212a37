using ArtifactStore.Core.Oci;

namespace ArtifactStore.Sqlite;

/// <summary>The registry's reads of its tag and catalog views (docs/oci.md, "Tag and catalog views"; SQL in <see cref="OciViewSql"/>).</summary>
internal sealed partial class SqliteViewQueries
{
    public async Task<Guid?> FindOciTagAsync(string repository, string tag, CancellationToken cancellationToken) =>
        (await Query(OciViewSql.FindTag, r => Guid.Parse(r.GetString(0)), ("@repository", repository), ("@tag", tag))) is [var id] ? id : null;

    public Task<IReadOnlyList<string>> ListOciTagsAsync(string repository, string after, int limit, CancellationToken cancellationToken) =>
        Query(OciViewSql.ListTags, r => r.GetString(0), ("@repository", repository), ("@last", after), ("@limit", limit));

    public async Task<bool> HasOciManifestsAsync(string repository, CancellationToken cancellationToken) =>
        (await Query(OciViewSql.HasManifests, r => r.GetInt64(0), ("@repository", repository))) is [> 0];

    public Task<IReadOnlyList<string>> ListOciRepositoriesAsync(string after, int limit, CancellationToken cancellationToken) =>
        Query(OciViewSql.ListRepositories, r => r.GetString(0), ("@last", after), ("@limit", limit));
}
