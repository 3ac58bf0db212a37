namespace ArtifactStore.EndToEnd.Tests;

/// <summary>Creating API tokens with the real command, for the tests that need them.</summary>
internal static class TokenCli
{
    /// <summary>
    /// Creates a token through the CLI (which asks the running server when one holds the root, else writes the root
    /// itself); returns the secret printed on the last line.
    /// </summary>
    public static async Task<string?> CreateAsync(string root, string name, string role, string? adminToken, bool expectFailure = false)
    {
        var args = new List<string> { "token", "create", "--data-root", root, "--name", name, "--role", role };
        if (adminToken is not null)
        {
            args.AddRange(["--token", adminToken]);
        }

        var (exit, stdout, stderr) = await Cli.RunAsync(args);
        if (expectFailure)
        {
            Assert.NotEqual(0, exit);
            return null;
        }

        Assert.True(exit == 0, stderr);
        var secret = stdout.TrimEnd().Split('\n')[^1].Trim();
        Assert.StartsWith("ast_", secret, StringComparison.Ordinal);
        return secret;
    }
}
