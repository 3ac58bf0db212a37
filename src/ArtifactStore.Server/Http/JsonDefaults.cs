using System.Text.Json;
using ArtifactStore.Contract;

namespace ArtifactStore.Server.Http;

/// <summary>JSON as the API writes it: the contract's settings (<see cref="ApiJson"/>), shared with the client.</summary>
public static class JsonDefaults
{
    public static JsonSerializerOptions Options => ApiJson.Options;

    public static JsonSerializerOptions Configure(JsonSerializerOptions options) => ApiJson.Configure(options);
}
