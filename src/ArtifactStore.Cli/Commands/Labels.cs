namespace ArtifactStore.Cli.Commands;

/// <summary>Reads <c>--label key=value</c> options; the server checks keys and values, this only splits them.</summary>
internal static class Labels
{
    public static (List<KeyValuePair<string, string>> Labels, string? Problem) Parse(IEnumerable<string> given)
    {
        var labels = new List<KeyValuePair<string, string>>();
        foreach (var label in given)
        {
            var equals = label.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return ([], $"--label '{label}' must have the form key=value");
            }

            labels.Add(KeyValuePair.Create(label[..equals], label[(equals + 1)..]));
        }

        return (labels, null);
    }
}
