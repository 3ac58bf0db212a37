using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Time;

namespace ArtifactStore.Core.Events;

/// <summary>Reading and writing the optional and time-valued fields event payloads share.</summary>
internal static class CborFields
{
    public static CborValue Time(DateTimeOffset? value) => value is { } at ? Rfc3339.ToText(at) : CborNull.Instance;

    public static DateTimeOffset? Time(CborMap map, string key) =>
        map.TryGet(key, out var value) && value is CborTextString text ? Rfc3339.Parse(text.Value) : null;

    public static CborValue Id(Guid? id) => id is { } value ? value.ToString() : CborNull.Instance;

    public static Guid? Id(CborMap map, string key) => Text(map, key) is { } text ? Guid.Parse(text) : null;

    public static string? Text(CborMap map, string key) =>
        map.TryGet(key, out var value) && value is CborTextString text ? text.Value : null;
}
