namespace MediaBroker.Testing;

/// <summary>Where the repository and its built programs are, seen from a test's bin folder.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: whatever the tests themselves were built as.</summary>
    public static string Configuration { get; } = FindConfiguration();

    public static string BrokerDll => Built("Broker", "media-broker.dll");

    public static string ClientDll => Built("Client", "media-client.dll");

    private static string Built(string project, string dll)
    {
        var path = Path.Combine(Root, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; run dotnet build first");
    }

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "MediaBroker.sln"))) return folder.FullName;
        }
        throw new InvalidOperationException("MediaBroker.sln not found above " + AppContext.BaseDirectory);
    }

    private static string FindConfiguration()
    {
        var parts = AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var bin = Array.LastIndexOf(parts, "bin");
        return bin >= 0 && bin + 1 < parts.Length ? parts[bin + 1] : "Debug";
    }
}
