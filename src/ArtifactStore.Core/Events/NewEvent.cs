using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Events;

/// <summary>An event to append. The store assigns its position, time and hash.</summary>
public sealed record NewEvent(string Stream, string Type, string Actor, CborMap Payload)
{
    /// <summary>An event whose payload its caller encoded already, before queueing its unit of work (<see cref="EncodedPayload"/>).</summary>
    public NewEvent(string stream, string type, string actor, EncodedPayload payload)
        : this(stream, type, actor, payload.Map) => PreEncoded = payload.Bytes;

    /// <summary>The payload; a new one (<c>with { Payload = … }</c>) drops an encoding made of the old one.</summary>
    public CborMap Payload
    {
        get;
        init
        {
            field = value;
            PreEncoded = null;
        }
    } = Payload;

    /// <summary>The payload's encoding when the caller made it (<see cref="EncodedPayload.Of"/>); null when the store is to encode it.</summary>
    public byte[]? PreEncoded { get; private init; }

    /// <summary>
    /// The payload's deterministic CBOR encoding, as the log stores it and the hash chain covers it: the caller's when
    /// it made one, else encoded now. The writer asks for it on the one serialized writer, so a caller that encodes a
    /// large payload beforehand takes that work off it (docs/performance.md, "Small writes: the writer's critical path").
    /// </summary>
    public byte[] EncodePayload() => PreEncoded ?? Cbor.Encode(Payload);
}

/// <summary>A payload and its deterministic CBOR encoding, made together so that they cannot disagree. The map must not change afterwards.</summary>
public sealed class EncodedPayload
{
    private EncodedPayload(CborMap map, byte[] bytes) => (Map, Bytes) = (map, bytes);

    public CborMap Map { get; }

    public byte[] Bytes { get; }

    public static EncodedPayload Of(CborMap map) => new(map, Cbor.Encode(map));
}
