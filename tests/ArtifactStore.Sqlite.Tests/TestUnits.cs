using System.Security.Cryptography;
using System.Text;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Packages;

namespace ArtifactStore.Sqlite.Tests;

/// <summary>Units of work and events the group-commit tests share.</summary>
internal static class TestUnits
{
    /// <summary>A <c>v1.package.created</c> of a new package named <paramref name="name"/>, with one file and one label.</summary>
    public static NewEvent Created(string name)
    {
        var id = Guid.CreateVersion7();
        var digest = BlobDigest.FromBytes(SHA256.HashData(Encoding.UTF8.GetBytes(name)));
        var file = new PackageFile("f.txt", 1, digest, new string('0', 64), "text/plain");
        var created = new PackageCreated(id, name, [new KeyValuePair<string, string>("k", name)], digest, 1, new string('0', 64), [file]);
        return new NewEvent(EventTypes.PackageStream(id), EventTypes.PackageCreated, "tester", created.ToCbor());
    }

    /// <summary>
    /// Starts a unit that holds the one writer until <see cref="HeldWriter.Release"/>, and returns once it holds it, so
    /// that the units queued meanwhile run together as the next batch. The unit then appends a package named "blocker".
    /// </summary>
    public static async Task<HeldWriter> HoldWriterAsync(TestStore store)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocker = store.Database.WriteAsync<long>(async (writer, ct) =>
        {
            holding.SetResult();
            await release.Task;
            return (await writer.AppendAsync(Created("blocker"), ct)).Seq;
        }, CancellationToken.None);
        await holding.Task;
        return new HeldWriter(blocker, release);
    }
}

/// <summary>The unit holding the writer (<see cref="TestUnits.HoldWriterAsync"/>): its answer is the seq of its event.</summary>
internal sealed class HeldWriter(Task<Result<long>> blocker, TaskCompletionSource release)
{
    public Task<Result<long>> Blocker => blocker;

    public void Release() => release.SetResult();
}
