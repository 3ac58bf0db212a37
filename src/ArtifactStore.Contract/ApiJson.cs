using System.Text.Json;
using System.Text.Json.Serialization;

namespace ArtifactStore.Contract;

/// <summary>
/// JSON as the API writes and reads it (docs/api.md): snake_case members, dictionary keys as given, nulls
/// written (an explicit null expiry means "never"). The server and the client both use these settings.
/// </summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        // Numbers are numbers both ways (the web defaults would also read "5" as 5, and the OpenAPI schema would then say so).
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        return options;
    }
}
