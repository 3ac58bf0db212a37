using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Events;

/// <summary>Payload of <c>v1.token.revoked</c>.</summary>
public sealed record TokenRevoked(string TokenId)
{
    public CborMap ToCbor() => new() { { "token_id", TokenId } };

    public static TokenRevoked FromCbor(CborMap map) => new(map.GetText("token_id"));
}
