using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Events;

/// <summary>Payload of <c>v1.token.created</c>. Only the SHA-256 of the secret is recorded, never the secret.</summary>
public sealed record TokenCreated(string TokenId, string Name, string Role, string SecretSha256)
{
    public CborMap ToCbor() => new()
    {
        { "token_id", TokenId },
        { "name", Name },
        { "role", Role },
        { "secret_sha256", SecretSha256 },
    };

    public static TokenCreated FromCbor(CborMap map) =>
        new(map.GetText("token_id"), map.GetText("name"), map.GetText("role"), map.GetText("secret_sha256"));
}
