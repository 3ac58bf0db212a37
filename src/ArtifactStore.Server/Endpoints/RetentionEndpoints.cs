using System.Text.Json;
using ArtifactStore.Contract;
using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Ids;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Security;
using ArtifactStore.Core.Time;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ArtifactStore.Server.Endpoints;

/// <summary>HTTP ↔ domain for extensions, holds, pins and the retention history (docs/api.md, "Retention").</summary>
public static class RetentionEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var reader = new RequiredRole(Role.Reader);
        var operatorRole = new RequiredRole(Role.Operator);
        app.MapGet("/v1/packages/{id}/retention", GetAsync).WithMetadata(reader).Produces<RetentionDocument>();
        app.MapGet("/v1/packages/{id}/retention/history", HistoryAsync).WithMetadata(reader);
        app.MapPost("/v1/packages/{id}/retention/extensions", ExtendAsync).WithMetadata(operatorRole)
            .Produces<RetentionDocument>();
        app.MapPost("/v1/packages/{id}/retention/holds", HoldAsync).WithMetadata(operatorRole)
            .Produces<HoldCreatedDocument>(StatusCodes.Status201Created);
        app.MapPost("/v1/packages/{id}/retention/holds/{holdId}/release", ReleaseAsync).WithMetadata(operatorRole)
            .Produces<RetentionDocument>();
        app.MapPost("/v1/packages/{id}/retention/pin", (HttpContext c, StoreRuntime s, string id) => PinAsync(c, s, id, pinned: true)).WithMetadata(operatorRole)
            .Produces<RetentionDocument>();
        app.MapPost("/v1/packages/{id}/retention/unpin", (HttpContext c, StoreRuntime s, string id) => PinAsync(c, s, id, pinned: false)).WithMetadata(operatorRole)
            .Produces<RetentionDocument>();
    }

    private static async Task<IResult> GetAsync(HttpContext context, StoreRuntime store, string id)
    {
        var packageId = RouteIds.Package(id);
        if (!packageId.IsSuccess)
        {
            return Problems.From(packageId.Error, context);
        }

        var view = await store.Database.Views.GetPackageAsync(packageId.Value, context.RequestAborted);
        return view is null
            ? Problems.From(new StoreError(ErrorCodes.PackageNotFound, $"there is no package {packageId.Value}"), context)
            : Results.Json(PackageJson.Retention(view), JsonDefaults.Options);
    }

    private static async Task<IResult> ExtendAsync(HttpContext context, StoreRuntime store, string id)
    {
        var body = await JsonBody.ReadObjectAsync(context);
        if (!body.IsSuccess)
        {
            return Problems.From(body.Error, context);
        }

        var newExpiresAt = Rfc3339.Read(
            body.Value.TryGetProperty("new_expires_at", out var at) && at.ValueKind == JsonValueKind.String ? at.GetString() : null, "new_expires_at");
        if (!newExpiresAt.IsSuccess)
        {
            return Problems.From(newExpiresAt.Error, context);
        }

        return await RespondAsync(context, id, packageId =>
            store.Retention.ExtendAsync(packageId, newExpiresAt.Value, Reason(body.Value), Actors.Of(context), context.RequestAborted));
    }

    private static async Task<IResult> HoldAsync(HttpContext context, StoreRuntime store, string id)
    {
        var body = await JsonBody.ReadObjectAsync(context);
        if (!body.IsSuccess)
        {
            return Problems.From(body.Error, context);
        }

        var packageId = RouteIds.Package(id);
        if (!packageId.IsSuccess)
        {
            return Problems.From(packageId.Error, context);
        }

        var held = await store.Retention.ApplyHoldAsync(packageId.Value, Reason(body.Value), Actors.Of(context), context.RequestAborted);
        if (!held.IsSuccess)
        {
            return Problems.From(held.Error, context);
        }

        var hold = held.Value.Hold;
        return Results.Json(new HoldCreatedDocument(
            hold.HoldId,
            held.Value.Package.Id.ToString(),
            hold.Reason,
            hold.Actor,
            Rfc3339.ToText(hold.AppliedAt),
            PackageJson.Retention(held.Value.Package)), JsonDefaults.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ReleaseAsync(HttpContext context, StoreRuntime store, string id, string holdId)
    {
        var body = await JsonBody.ReadObjectAsync(context);
        if (!body.IsSuccess)
        {
            return Problems.From(body.Error, context);
        }

        return await RespondAsync(context, id, packageId =>
        {
            var hold = RouteIds.Hold(holdId);
            return hold.IsSuccess
                ? store.Retention.ReleaseHoldAsync(packageId, CanonicalId.ToText(hold.Value), Reason(body.Value), Actors.Of(context), context.RequestAborted)
                : Task.FromResult<Result<PackageView>>(hold.Error);
        });
    }

    private static async Task<IResult> PinAsync(HttpContext context, StoreRuntime store, string id, bool pinned)
    {
        var body = await JsonBody.ReadObjectAsync(context);
        return body.IsSuccess
            ? await RespondAsync(context, id, packageId =>
                store.Retention.SetPinnedAsync(packageId, pinned, Reason(body.Value), Actors.Of(context), context.RequestAborted))
            : Problems.From(body.Error, context);
    }

    /// <summary>The package's events in order: JCS by default, canonical CBOR with <c>Accept: application/cbor</c>.</summary>
    private static async Task<IResult> HistoryAsync(HttpContext context, StoreRuntime store, string id)
    {
        var packageId = RouteIds.Package(id);
        if (!packageId.IsSuccess)
        {
            return Problems.From(packageId.Error, context);
        }

        var history = await store.Retention.HistoryAsync(packageId.Value, context.RequestAborted);
        if (!history.IsSuccess)
        {
            return Problems.From(history.Error, context);
        }

        var document = new CborMap
        {
            { "package_id", CanonicalId.ToText(packageId.Value) },
            { "events", new CborArray(history.Value.Select(ToCbor)) },
        };
        if (context.Request.Headers.Accept.ToString().Contains("application/cbor", StringComparison.OrdinalIgnoreCase))
        {
            return Results.Bytes(Cbor.Encode(document), "application/cbor");
        }

        return Results.Bytes(Jcs.SerializeToUtf8Bytes(CborJson.ToJson(document)), "application/json");
    }

    private static CborMap ToCbor(EventRecord record) => new()
    {
        { "seq", record.Seq },
        { "type", record.Type },
        { "occurred_at", Rfc3339.ToText(record.OccurredAt) },
        { "actor", record.Actor },
        { "payload", Cbor.Decode(record.Payload) },
        { "hash", Convert.ToHexStringLower(record.Hash) },
    };

    private static async Task<IResult> RespondAsync(HttpContext context, string id, Func<Guid, Task<Result<PackageView>>> action)
    {
        var packageId = RouteIds.Package(id);
        if (!packageId.IsSuccess)
        {
            return Problems.From(packageId.Error, context);
        }

        var result = await action(packageId.Value);
        return result.IsSuccess
            ? Results.Json(PackageJson.Retention(result.Value), JsonDefaults.Options)
            : Problems.From(result.Error, context);
    }

    private static string? Reason(JsonElement body) =>
        body.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null;
}
