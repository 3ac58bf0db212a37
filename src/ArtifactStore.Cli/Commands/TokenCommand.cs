using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using ArtifactStore.Contract;
using ArtifactStore.Core.Security;
using ArtifactStore.Server.Http;

namespace ArtifactStore.Cli.Commands;

/// <summary><c>artifactstore token create|list|revoke</c>. The new token's secret is the last line printed, and only shown once.</summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        return new Command("token", "Manage API tokens.") { CreateCommand(), ListCommand(), RevokeCommand() };
    }

    private static Command CreateCommand()
    {
        var access = new StoreAccess();
        var name = new Option<string>("--name") { Description = "The token's name; recorded as the actor of what it changes.", Required = true };
        var role = new Option<string>("--role") { Description = "reader, writer, operator or admin.", Required = true };
        var command = new Command("create", "Create a token and print its secret (shown only once).");
        access.AddTo(command);
        command.Options.Add(name);
        command.Options.Add(role);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var tokenName = parse.GetValue(name)!;
            if (!Roles.TryParse(parse.GetValue(role), out var tokenRole))
            {
                await Console.Error.WriteLineAsync("artifactstore: --role must be reader, writer, operator or admin");
                return ExitCodes.Failed;
            }

            return await access.RunAsync(parse,
                async (http, ct) =>
                {
                    using var response = await http.PostAsJsonAsync("v1/admin/tokens", new TokenCreateRequest(tokenName, Roles.Name(tokenRole)), ApiJson.Options, ct);
                    if (!response.IsSuccessStatusCode)
                    {
                        return await StoreAccess.PrintAsync(response, ct);
                    }

                    var created = await response.Content.ReadFromJsonAsync<TokenCreatedDocument>(ApiJson.Options, ct)
                        ?? throw new JsonException("the server answered an empty body");
                    Announce(tokenName, Roles.Name(tokenRole), created.Token);
                    return ExitCodes.Ok;
                },
                async (store, ct) =>
                {
                    var created = await store.Tokens.CreateAsync(tokenName, tokenRole, Environment.UserName, ct);
                    if (!created.IsSuccess)
                    {
                        await Console.Error.WriteLineAsync($"artifactstore: {created.Error.Message}");
                        return ExitCodes.Failed;
                    }

                    Announce(tokenName, Roles.Name(tokenRole), created.Value.Secret);
                    return ExitCodes.Ok;
                },
                cancellationToken);
        });
        return command;
    }

    private static Command ListCommand()
    {
        var access = new StoreAccess();
        var command = new Command("list", "List tokens (names, roles, state; never secrets).");
        access.AddTo(command);
        command.SetAction(async (parse, cancellationToken) => await access.RunAsync(parse,
            async (http, ct) =>
            {
                using var response = await http.GetAsync("v1/admin/tokens", ct);
                return await StoreAccess.PrintAsync(response, ct);
            },
            async (store, ct) =>
            {
                StoreAccess.Print(new TokenListDocument([.. (await store.Tokens.ListAsync(ct)).Select(ReportJson.Token)]));
                return ExitCodes.Ok;
            },
            cancellationToken));
        return command;
    }

    private static Command RevokeCommand()
    {
        var access = new StoreAccess();
        var name = new Option<string>("--name") { Description = "The token to revoke (name or id).", Required = true };
        var command = new Command("revoke", "Revoke a token; effective for the next request.");
        access.AddTo(command);
        command.Options.Add(name);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var tokenName = parse.GetValue(name)!;
            return await access.RunAsync(parse,
                async (http, ct) =>
                {
                    using var response = await http.PostAsync($"v1/admin/tokens/{Uri.EscapeDataString(tokenName)}/revoke", null, ct);
                    return await StoreAccess.PrintAsync(response, ct);
                },
                async (store, ct) =>
                {
                    var revoked = await store.Tokens.RevokeAsync(tokenName, Environment.UserName, ct);
                    if (!revoked.IsSuccess)
                    {
                        await Console.Error.WriteLineAsync($"artifactstore: {revoked.Error.Message}");
                        return ExitCodes.Failed;
                    }

                    StoreAccess.Print(ReportJson.Token(revoked.Value));
                    return ExitCodes.Ok;
                },
                cancellationToken);
        });
        return command;
    }

    private static void Announce(string name, string role, string secret)
    {
        Console.WriteLine($"created token '{name}' with role {role}; store this secret now, it is not shown again:");
        Console.WriteLine(secret);
    }
}
