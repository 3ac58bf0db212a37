using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Conformance.Tests.Postgres;
using ArtifactStore.Conformance.Tests.S3;
using ArtifactStore.Postgres;
using ArtifactStore.S3;

namespace ArtifactStore.Conformance.Tests.PostgresS3;

/// <summary>
/// The two halves of the scale-out backend together: a PostgreSQL database per test store (as
/// <see cref="PostgresBackendFixture"/> makes them) and its blobs under a prefix of their own in the S3
/// test bucket (as <see cref="S3BackendFixture"/> does), staged in the test directory's <c>tmp/</c>.
/// Needs both servers; either variable unset fails the tests.
/// </summary>
public sealed class PostgresS3BackendFixture : StoreBackendFixture
{
    private readonly PostgresBackendFixture _postgres = new();
    private readonly S3BackendFixture _s3 = new();

    public override string Name => "postgres+s3";

    public override async Task<TestBackend> OpenAsync(string directory, TimeProvider time, CancellationToken cancellationToken)
    {
        var client = S3BackendFixture.Client();
        await S3BackendFixture.EnsureBucketAsync(client, cancellationToken);
        var database = new PostgresStoreDatabase(await PostgresBackendFixture.EnsureDatabaseAsync(directory, cancellationToken), time);
        try
        {
            await database.InitializeAsync(cancellationToken);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }

        var temp = Path.Combine(directory, "tmp");
        var blobs = new S3BlobStore(_s3.Options(directory), temp);
        // The scale-out backend's live job logs: chunks in the database, written through to the local log file.
        return new PostgresS3Backend(database, blobs, database.CreateJobLogStore(Path.Combine(directory, "jobs")), temp, client);
    }

    public override async Task DeleteAsync(string directory, CancellationToken cancellationToken)
    {
        await _s3.DeleteAsync(directory, cancellationToken);
        await _postgres.DeleteAsync(directory, cancellationToken);
    }
}
