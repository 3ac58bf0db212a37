using Microsoft.AspNetCore.Http;

namespace ArtifactStore.Server.Http;

/// <summary>Who is calling: the name recorded as the <c>actor</c> of the events a request causes.</summary>
public static class Actors
{
    public const string Anonymous = "anonymous";
    private const string ItemKey = "artifactstore.actor";

    public static string Of(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var actor) && actor is string name ? name : Anonymous;

    public static void Set(HttpContext context, string name) => context.Items[ItemKey] = name;
}
