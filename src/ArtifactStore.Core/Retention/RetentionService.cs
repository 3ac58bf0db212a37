using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Core.Retention;

/// <summary>
/// Extensions, holds and pins (docs/retention.md). Each action is one unit of work: its event, the view
/// change and, when it changes whether the package may be deleted, the event recording that transition
/// (<c>v1.retention.deletion_ineligible</c>, or <c>v1.retention.deletion_eligible</c> when the last hold of
/// an expired package is released or it is unpinned).
/// </summary>
public sealed class RetentionService(IStoreDatabase database)
{
    public const int MaxReasonLength = 1024;

    public Task<Result<PackageView>> ExtendAsync(Guid id, DateTimeOffset newExpiresAt, string? reason, string actor, CancellationToken cancellationToken) =>
        ActAsync(id, reason, actor, "extended", (package, writer, ct) =>
        {
            var current = package.Retention.ExpiresAt;
            if (current is null)
            {
                return Task.FromResult<StoreError?>(new StoreError(ErrorCodes.NotExpiring,
                    $"package {id} is in class '{package.RetentionClass}', which never expires; there is nothing to extend"));
            }

            if (newExpiresAt <= current)
            {
                return Task.FromResult<StoreError?>(new StoreError(ErrorCodes.ExtensionNotLater,
                    $"new_expires_at must be later than the current expiry {Time.Rfc3339.ToText(current.Value)}",
                    new Dictionary<string, object?> { ["expires_at"] = Time.Rfc3339.ToText(current.Value) }));
            }

            return AppendAsync(writer, id, EventTypes.RetentionExtended, actor,
                new RetentionExtended(id, current, Time.Rfc3339.Truncate(newExpiresAt), reason!).ToCbor(), ct);
        }, cancellationToken);

    public async Task<Result<(PackageView Package, HoldView Hold)>> ApplyHoldAsync(Guid id, string? reason, string actor, CancellationToken cancellationToken)
    {
        var holdId = Guid.CreateVersion7().ToString();
        var result = await ActAsync(id, reason, actor, "hold_applied", (package, writer, ct) =>
            AppendAsync(writer, id, EventTypes.HoldApplied, actor, new HoldChanged(id, holdId, reason!).ToCbor(), ct), cancellationToken);
        if (!result.IsSuccess)
        {
            return result.Error;
        }

        return (result.Value, result.Value.Retention.Holds.Single(h => h.HoldId == holdId));
    }

    public Task<Result<PackageView>> ReleaseHoldAsync(Guid id, string holdId, string? reason, string actor, CancellationToken cancellationToken) =>
        ActAsync(id, reason, actor, "hold_released", (package, writer, ct) =>
        {
            var hold = package.Retention.Holds.FirstOrDefault(h => h.HoldId == holdId);
            if (hold is null)
            {
                return Task.FromResult<StoreError?>(new StoreError(ErrorCodes.HoldNotFound, $"package {id} has no hold {holdId}"));
            }

            if (!hold.IsActive)
            {
                return Task.FromResult<StoreError?>(new StoreError(ErrorCodes.HoldAlreadyReleased,
                    $"hold {holdId} was already released by {hold.ReleasedBy} at {Time.Rfc3339.ToText(hold.ReleasedAt!.Value)}"));
            }

            return AppendAsync(writer, id, EventTypes.HoldReleased, actor, new HoldChanged(id, holdId, reason!).ToCbor(), ct);
        }, cancellationToken);

    /// <summary>Pins or unpins. Asking for the state the package is already in changes nothing and writes no event.</summary>
    public Task<Result<PackageView>> SetPinnedAsync(Guid id, bool pinned, string? reason, string actor, CancellationToken cancellationToken) =>
        ActAsync(id, reason, actor, pinned ? "pinned" : "unpinned", (package, writer, ct) =>
            package.Retention.Pinned == pinned
                ? Task.FromResult<StoreError?>(null)
                : AppendAsync(writer, id, pinned ? EventTypes.Pinned : EventTypes.Unpinned, actor, new PinChanged(id, reason!).ToCbor(), ct),
            cancellationToken);

    /// <summary>The package's retention-relevant events (creation, retention changes, deletion) in order; works for tombstones too.</summary>
    public async Task<Result<IReadOnlyList<EventRecord>>> HistoryAsync(Guid id, CancellationToken cancellationToken)
    {
        var events = new List<EventRecord>();
        await foreach (var record in database.ReadStreamAsync(EventTypes.PackageStream(id), cancellationToken))
        {
            events.Add(record);
        }

        return events.Count == 0
            ? new StoreError(ErrorCodes.PackageNotFound, $"there is no package {id}")
            : events;
    }

    private async Task<Result<PackageView>> ActAsync(
        Guid id,
        string? reason,
        string actor,
        string cause,
        Func<PackageView, IStoreWriter, CancellationToken, Task<StoreError?>> action,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            return new StoreError(ErrorCodes.ReasonRequired, "a non-empty reason is required; it is recorded with the change");
        }

        if (reason.Length > MaxReasonLength || reason.Any(c => char.IsControl(c) && c is not '\n' and not '\t'))
        {
            return StoreError.Validation($"reason must be at most {MaxReasonLength} characters without control characters", "reason");
        }

        return await database.WriteAsync<PackageView>(async (writer, ct) =>
        {
            var package = await writer.GetPackageAsync(id, ct);
            if (package is null)
            {
                return new StoreError(ErrorCodes.PackageNotFound, $"there is no package {id}");
            }

            if (package.State == PackageState.Deleted)
            {
                return new StoreError(ErrorCodes.PackageExpired, $"package {id} has expired and was deleted; its retention can no longer change");
            }

            if (await action(package, writer, ct) is { } error)
            {
                return error;
            }

            // A transition the action caused, either way, is recorded in the same unit of work as its
            // cause, so the retention state never lags behind the facts (docs/retention.md): a hold
            // applied to an eligible package makes it ineligible; releasing the last hold of an expired
            // package (or unpinning it) makes it eligible now rather than at the next sweep.
            var after = (await writer.GetPackageAsync(id, ct))!;
            var deletable = after.Retention.IsDeletable(writer.Now);
            if (package.Retention.EligibleForDeletion != deletable)
            {
                await writer.AppendAsync(new NewEvent(EventTypes.PackageStream(id), deletable ? EventTypes.DeletionEligible : EventTypes.DeletionIneligible,
                    actor, new EligibilityChanged(id, after.Retention.ExpiresAt, writer.Now, cause).ToCbor()), ct);
                after = (await writer.GetPackageAsync(id, ct))!;
            }

            return after;
        }, cancellationToken);
    }

    private static async Task<StoreError?> AppendAsync(IStoreWriter writer, Guid id, string type, string actor, Encoding.CborMap payload, CancellationToken cancellationToken)
    {
        await writer.AppendAsync(new NewEvent(EventTypes.PackageStream(id), type, actor, payload), cancellationToken);
        return null;
    }
}
