namespace ArtifactStore.Core.Security;

public static class Roles
{
    public static string Name(Role role) => role switch
    {
        Role.Reader => "reader",
        Role.Writer => "writer",
        Role.Operator => "operator",
        Role.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static bool TryParse(string? text, out Role role)
    {
        (var ok, role) = text switch
        {
            "reader" => (true, Role.Reader),
            "writer" => (true, Role.Writer),
            "operator" => (true, Role.Operator),
            "admin" => (true, Role.Admin),
            _ => (false, Role.Reader),
        };
        return ok;
    }
}
