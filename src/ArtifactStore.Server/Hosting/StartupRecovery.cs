using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ArtifactStore.Server.Hosting;

/// <summary>
/// Work a server must finish after it starts listening and before it takes traffic (for example
/// requeueing jobs that a crashed process left running). Components register named steps while the
/// server is built; <c>serve</c> runs them once, in order, after Kestrel listens, so
/// <c>/health/live</c> answers meanwhile. The readiness check <c>recovery</c> fails until every step
/// has succeeded. A step that throws stops recovery there and leaves it failed, with the message, for
/// good: the server stays not ready until it is restarted.
/// </summary>
public sealed class StartupRecovery
{
    private readonly List<(string Name, Func<CancellationToken, Task> Step)> _steps = [];
    private readonly Lock _gate = new();
    private Task? _run;
    private volatile string? _failure;
    private volatile string? _currentStep;
    private readonly TaskCompletionSource<bool> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True once every registered step has run and succeeded (also when none was registered).</summary>
    public bool IsComplete => _outcome.Task is { IsCompletedSuccessfully: true, Result: true };

    /// <summary>
    /// Completes when recovery has ended: true once every step succeeded, false when a step failed or
    /// shutdown interrupted it. What must wait for recovery (the job workers) awaits this.
    /// </summary>
    public Task<bool> Outcome => _outcome.Task;

    /// <summary>Why recovery failed (<c>step 'x' failed: message</c>), or null while it has not failed.</summary>
    public string? Failure => _failure;

    /// <summary>The step running now, or null.</summary>
    public string? CurrentStep => _currentStep;

    /// <summary>Whether <see cref="RunAsync"/> has been called.</summary>
    public bool HasStarted
    {
        get
        {
            lock (_gate)
            {
                return _run is not null;
            }
        }
    }

    /// <summary>The registered step names, in the order they run.</summary>
    public IReadOnlyList<string> Steps
    {
        get
        {
            lock (_gate)
            {
                return [.. _steps.Select(s => s.Name)];
            }
        }
    }

    /// <summary>Where failures are logged; the server sets its own logger when it is built.</summary>
    internal ILogger Logger { get; set; } = NullLogger.Instance;

    /// <summary>Adds a step. Steps run in registration order. Registering after recovery started is a bug.</summary>
    public void Register(string name, Func<CancellationToken, Task> step)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(step);
        lock (_gate)
        {
            if (_run is not null)
            {
                throw new InvalidOperationException($"recovery step '{name}' was registered after recovery started; register steps while the server is built");
            }

            _steps.Add((name, step));
        }
    }

    /// <summary>
    /// Runs the registered steps in order, once: later calls return the same run. Never throws for a
    /// failing step; <see cref="Failure"/> says what failed. Cancellation (shutdown) stops it
    /// without marking it failed or complete.
    /// </summary>
    public Task RunAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _run ??= RunStepsAsync([.. _steps], cancellationToken);
            return _run;
        }
    }

    private async Task RunStepsAsync(List<(string Name, Func<CancellationToken, Task> Step)> steps, CancellationToken cancellationToken)
    {
        await Task.Yield();
        foreach (var (name, step) in steps)
        {
            _currentStep = name;
            try
            {
                Logger.LogInformation("Startup recovery: running {Step}", name);
                await step(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Logger.LogInformation("Startup recovery interrupted by shutdown during {Step}", name);
                _currentStep = null;
                _outcome.TrySetResult(false);
                return;
            }
            catch (Exception e)
            {
                _failure = $"step '{name}' failed: {e.Message}";
                _currentStep = null;
                Logger.LogError(e, "Startup recovery step {Step} failed; the server stays not ready until it is restarted", name);
                _outcome.TrySetResult(false);
                return;
            }
        }

        _currentStep = null;
        _outcome.TrySetResult(true);
        if (steps.Count > 0)
        {
            Logger.LogInformation("Startup recovery finished ({Count} steps)", steps.Count);
        }
    }
}
