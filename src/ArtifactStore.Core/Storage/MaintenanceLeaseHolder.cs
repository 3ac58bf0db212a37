using ArtifactStore.Core.Errors;

namespace ArtifactStore.Core.Storage;

/// <summary>
/// Takes, renews and drops one <see cref="MaintenanceLease"/> on behalf of this process, so that a
/// store-wide task runs in one process at a time however many share the database (docs/gc.md). The rules:
/// <list type="number">
/// <item>acquire, in one unit of work: granted when there is no lease, when it is this holder's, or when it
///   has expired (its holder stopped renewing: it died or hangs); otherwise <c>already_running</c>, naming the holder;</item>
/// <item>while held, renewed every third of <see cref="Duration"/>; a renewal that finds the lease gone to
///   someone else signals <see cref="Held.Lost"/>, and the task stops;</item>
/// <item>released, in one unit of work, only if it is still this holder's.</item>
/// </list>
/// </summary>
public sealed class MaintenanceLeaseHolder(IStoreDatabase database, TimeProvider time, string name)
{
    /// <summary>How long a lease holds without renewal: a crashed holder blocks the task elsewhere for at most this long.</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromMinutes(1);

    /// <summary>Names this holder in the lease row.</summary>
    public string Holder { get; } = Platform.InstanceIds.New();

    private TimeProvider Time => time;

    public async Task<Result<Held>> AcquireAsync(CancellationToken cancellationToken)
    {
        var acquired = await database.WriteAsync<bool>(async (writer, ct) =>
        {
            var current = await writer.GetMaintenanceLeaseAsync(name, ct);
            if (current is not null && current.Holder != Holder && !current.HasExpired(writer.Now))
            {
                return new StoreError(ErrorCodes.AlreadyRunning,
                    $"{name} is already running in another process ({current.Holder}); its lease holds until {Core.Time.Rfc3339.ToText(current.ExpiresAt)}",
                    new Dictionary<string, object?> { ["task"] = name, ["holder"] = current.Holder, ["expires_at"] = Core.Time.Rfc3339.ToText(current.ExpiresAt) });
            }

            await writer.PutMaintenanceLeaseAsync(new MaintenanceLease(name, Holder, writer.Now + Duration), ct);
            return true;
        }, cancellationToken);
        return acquired.IsSuccess ? new Held(this) : acquired.Error;
    }

    /// <summary>
    /// Runs <paramref name="task"/> under the lease: <c>already_running</c> when another process holds it;
    /// otherwise the task's result, with the lease released after. A task whose lease was taken over
    /// mid-run (it lapsed: this process stalled) is stopped and answers <c>already_running</c> too.
    /// </summary>
    public async Task<Result<T>> RunAsync<T>(Func<CancellationToken, Task<T>> task, CancellationToken cancellationToken)
    {
        var lease = await AcquireAsync(cancellationToken);
        if (!lease.IsSuccess)
        {
            return lease.Error;
        }

        await using var held = lease.Value;
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, held.Lost);
        try
        {
            return await task(run.Token);
        }
        catch (OperationCanceledException) when (held.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new StoreError(ErrorCodes.AlreadyRunning, $"{name} stopped: its lease lapsed and another process took it over");
        }
    }

    /// <summary>One unit of work: renews the lease if it is still this holder's; false when it was taken.</summary>
    private async Task<bool> RenewAsync(CancellationToken cancellationToken)
    {
        var renewed = await database.WriteAsync<bool>(async (writer, ct) =>
        {
            if (await writer.GetMaintenanceLeaseAsync(name, ct) is not { } current || current.Holder != Holder)
            {
                return false;
            }

            await writer.PutMaintenanceLeaseAsync(current with { ExpiresAt = writer.Now + Duration }, ct);
            return true;
        }, cancellationToken);
        return renewed.Value;
    }

    private async Task ReleaseAsync()
    {
        await database.WriteAsync<bool>(async (writer, ct) =>
        {
            if (await writer.GetMaintenanceLeaseAsync(name, ct) is { } current && current.Holder == Holder)
            {
                await writer.DeleteMaintenanceLeaseAsync(name, ct);
            }

            return true;
        }, CancellationToken.None);
    }

    /// <summary>A lease this process holds; disposing it stops the renewals and releases the lease.</summary>
    public sealed class Held : IAsyncDisposable
    {
        private readonly MaintenanceLeaseHolder _owner;
        private readonly CancellationTokenSource _stop = new();
        private readonly CancellationTokenSource _lost = new();
        private readonly Task _renewals;

        internal Held(MaintenanceLeaseHolder owner)
        {
            _owner = owner;
            _renewals = Task.Run(RenewLoopAsync);
        }

        /// <summary>Fires when a renewal found the lease taken by another process: the task must stop.</summary>
        public CancellationToken Lost => _lost.Token;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _renewals;
            try
            {
                await _owner.ReleaseAsync();
            }
            finally
            {
                _stop.Dispose();
                _lost.Dispose();
            }
        }

        private async Task RenewLoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(Duration / 3, _owner.Time, _stop.Token);
                    if (!await _owner.RenewAsync(_stop.Token))
                    {
                        await _lost.CancelAsync();
                        return;
                    }
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A failed renewal (a busy or broken database) is retried; the lease holds a while longer.
                }
            }
        }
    }
}
