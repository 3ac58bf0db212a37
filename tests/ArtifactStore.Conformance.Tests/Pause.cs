using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Conformance.Tests;

/// <summary>Stops one protocol step at a named boundary until the test lets it go on.</summary>
public sealed class Pause
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _resume = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _armed;

    /// <param name="step">The boundary to stop at.</param>
    /// <param name="blob">Only stop there for this blob (null: any).</param>
    public Pause(string step, BlobDigest? blob = null)
    {
        Step = step;
        Blob = blob;
    }

    public BlobDigest? Blob { get; }

    public string Step { get; }

    public Task Reached => _reached.Task;

    public ProtocolHooks Hooks => new() { At = OnStepAsync };

    /// <summary>From now on, the next arrival at <see cref="Step"/> stops there (set-up steps pass freely).</summary>
    public void Arm() => Interlocked.Exchange(ref _armed, 1);

    public void Resume() => _resume.TrySetResult();

    private Task OnStepAsync(string step, BlobDigest? blob)
    {
        if (step != Step || (Blob is not null && blob != Blob) || Interlocked.Exchange(ref _armed, 0) == 0)
        {
            return Task.CompletedTask;
        }

        _reached.TrySetResult();
        return _resume.Task;
    }
}
