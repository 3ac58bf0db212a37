using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Ids;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Time;

namespace ArtifactStore.Server.Dashboard;

/// <summary>How the dashboard writes values: times as RFC 3339 (as the API does), sizes in bytes and binary units.</summary>
public static class Show
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Time(DateTimeOffset? value) => value is { } at ? Rfc3339.ToText(at) : "—";

    public static string Id(Guid id) => CanonicalId.ToText(id);

    public static string Bytes(long bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes:N0} bytes")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]} ({bytes:N0} bytes)");
    }

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>live, eligible (marked for deletion by the sweeper) or deleted.</summary>
    public static string State(PackageView package) =>
        package.State == PackageState.Deleted ? "deleted" : package.Retention.EligibleForDeletion ? "eligible" : "live";

    public static string State(JobState state) => JobStates.ToText(state);

    public static string Labels(PackageView package) => string.Join(", ", package.Labels.Select(l => $"{l.Key}={l.Value}"));

    /// <summary>An event payload (canonical CBOR) as indented JSON.</summary>
    public static string Payload(byte[] cbor) => CborJson.ToJson(Cbor.Decode(cbor))?.ToJsonString(Indented) ?? "null";

    /// <summary>The path of a file's download through the dashboard (the session cookie authenticates it).</summary>
    public static string Download(PackageView package, PackageFile file) =>
        $"/packages/{Id(package.Id)}/files/{string.Join('/', file.Path.Split('/').Select(Uri.EscapeDataString))}";
}
