namespace ArtifactStore.Cli.Commands;

/// <summary>
/// Turns a listen address into one a client can connect to: a wildcard host (0.0.0.0, [::], *, +)
/// means "every interface", which cannot be a connect target, so it is asked on loopback, where a
/// server is always reachable from its own host or container.
/// </summary>
internal static class ConnectUrl
{
    /// <summary>The URL to connect to, or null when <paramref name="listenUrl"/> is not an http(s) URL with a port.</summary>
    public static Uri? From(string listenUrl)
    {
        var normalized = listenUrl.Trim()
            .Replace("://*", "://0.0.0.0", StringComparison.Ordinal)
            .Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Port == 0)
        {
            return null;
        }

        var builder = new UriBuilder(uri);
        if (builder.Host == "0.0.0.0")
        {
            builder.Host = "127.0.0.1";
        }
        else if (builder.Host is "[::]" or "::")
        {
            builder.Host = "[::1]";
        }

        return builder.Uri;
    }
}
