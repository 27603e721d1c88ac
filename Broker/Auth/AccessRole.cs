namespace MediaBroker.Broker.Auth;

/// <summary>What a token may do: a client acts on its own items only; an admin sees and does everything.</summary>
public enum AccessRole
{
    Client,
    Admin,
}

public static class AccessRoles
{
    public static string WireName(this AccessRole role) => role == AccessRole.Admin ? "admin" : "client";

    public static bool TryParse(string? text, out AccessRole role)
    {
        role = text switch { "admin" => AccessRole.Admin, _ => AccessRole.Client };
        return text is "admin" or "client";
    }
}
