using ArtifactStore.Core.Security;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Scalar.AspNetCore;

namespace ArtifactStore.Server.Hosting;

/// <summary>
/// The API's OpenAPI document at <c>/openapi/v1.json</c>, generated from the route table and the contract's
/// records (ArtifactStore.Contract), and a reference page for people at <c>/docs</c> (docs/api.md,
/// "OpenAPI"). Both are reads: the reader role once tokens exist, open on loopback before, and held by the
/// readiness gate like every other read.
/// </summary>
public static class ApiReference
{
    public const string DocumentName = "v1";
    public const string DocumentPattern = "/openapi/{documentName}.json";

    public static void AddTo(IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "ArtifactStore API";
            document.Info.Version = "v1";
            document.Info.Description = "Packages, retention, jobs and the event log (docs/api.md). Send 'Authorization: Bearer <token>' once the store has tokens.";
            return Task.CompletedTask;
        }));

    public static void Map(IEndpointRouteBuilder app)
    {
        var reader = new RequiredRole(Role.Reader);
        app.MapOpenApi(DocumentPattern).WithMetadata(reader);
        app.MapScalarApiReference("/docs", options => options.WithTitle("ArtifactStore API").WithOpenApiRoutePattern(DocumentPattern)).WithMetadata(reader);
    }
}
