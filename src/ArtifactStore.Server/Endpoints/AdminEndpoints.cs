using System.Text.Json;
using ArtifactStore.Contract;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Security;
using ArtifactStore.Core.Time;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ArtifactStore.Server.Endpoints;

/// <summary>Operations: sweep, GC (both with <c>dry_run</c>) and token administration.</summary>
public static class AdminEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var operatorRole = new RequiredRole(Role.Operator);
        var admin = new RequiredRole(Role.Admin);
        app.MapPost("/v1/admin/retention/sweep", SweepAsync).WithMetadata(operatorRole).Produces<SweepReportDocument>();
        app.MapPost("/v1/admin/gc", GcAsync).WithMetadata(operatorRole).Produces<GcReportDocument>();
        app.MapGet("/v1/admin/tokens", ListTokensAsync).WithMetadata(admin).Produces<TokenListDocument>();
        app.MapPost("/v1/admin/tokens", CreateTokenAsync).WithMetadata(admin)
            .Produces<TokenCreatedDocument>(StatusCodes.Status201Created);
        app.MapPost("/v1/admin/tokens/{name}/revoke", RevokeTokenAsync).WithMetadata(admin).Produces<TokenDocument>();
    }

    private static async Task<IResult> SweepAsync(HttpContext context, StoreRuntime store)
    {
        var dryRun = DryRun(context);
        if (dryRun is null)
        {
            return Problems.From(StoreError.Validation("dry_run must be true or false", "dry_run"), context);
        }

        DateTimeOffset? asOf = null;

        // Present means given: an empty as_of is refused like any other text that is not a time, not read as "now".
        if (context.Request.Query.TryGetValue("as_of", out var asOfText))
        {
            var parsed = Rfc3339.Read(asOfText.ToString(), "as_of");
            if (!parsed.IsSuccess)
            {
                return Problems.From(parsed.Error, context);
            }

            // Marking packages eligible early would shorten their retention: only a dry run may look ahead.
            if (dryRun == false && parsed.Value > store.Time.GetUtcNow())
            {
                return Problems.From(StoreError.Validation("as_of may be in the future only for a dry run", "as_of"), context);
            }

            asOf = parsed.Value;
        }

        var report = await store.Sweeper.RunAsync(asOf, dryRun.Value, Actors.Of(context), context.RequestAborted);
        return report.IsSuccess ? Results.Json(ReportJson.Sweep(report.Value), JsonDefaults.Options) : Problems.From(report.Error, context);
    }

    private static async Task<IResult> GcAsync(HttpContext context, StoreRuntime store)
    {
        var dryRun = DryRun(context);
        if (dryRun is null)
        {
            return Problems.From(StoreError.Validation("dry_run must be true or false", "dry_run"), context);
        }

        var report = await store.Collector.RunAsync(dryRun.Value, Actors.Of(context), context.RequestAborted);
        return report.IsSuccess ? Results.Json(ReportJson.Gc(report.Value), JsonDefaults.Options) : Problems.From(report.Error, context);
    }

    private static async Task<IResult> ListTokensAsync(StoreRuntime store, CancellationToken cancellationToken) =>
        Results.Json(new TokenListDocument([.. (await store.Tokens.ListAsync(cancellationToken)).Select(ReportJson.Token)]), JsonDefaults.Options);

    private static async Task<IResult> CreateTokenAsync(HttpContext context, StoreRuntime store)
    {
        var body = await JsonBody.ReadObjectAsync(context);
        if (!body.IsSuccess)
        {
            return Problems.From(body.Error, context);
        }

        var name = body.Value.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : string.Empty;
        var roleText = body.Value.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        if (!Roles.TryParse(roleText, out var role))
        {
            return Problems.From(StoreError.Validation("role must be reader, writer, operator or admin", "role"), context);
        }

        var created = await store.Tokens.CreateAsync(name, role, Actors.Of(context), context.RequestAborted);
        if (!created.IsSuccess)
        {
            return Problems.From(created.Error, context);
        }

        return Results.Json(new TokenCreatedDocument(created.Value.Secret, ReportJson.Token(created.Value.Token)),
            JsonDefaults.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> RevokeTokenAsync(HttpContext context, StoreRuntime store, string name)
    {
        var revoked = await store.Tokens.RevokeAsync(name, Actors.Of(context), context.RequestAborted);
        return revoked.IsSuccess ? Results.Json(ReportJson.Token(revoked.Value), JsonDefaults.Options) : Problems.From(revoked.Error, context);
    }

    private static bool? DryRun(HttpContext context) => context.Request.Query["dry_run"].ToString() switch
    {
        "" or "false" or "0" => false,
        "true" or "1" => true,
        _ => null,
    };
}
