namespace MediaBroker.Testing;

/// <summary>A real folder of its own for one test class, removed when the test is done.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder(string? label = null)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mediabroker-tests", $"{label ?? "t"}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public string WriteFile(string relative, byte[] content)
    {
        var path = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>An executable shell script, standing in for a program where a test needs it to misbehave.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public string WriteScript(string relative, string script)
    {
        var path = WriteFile(relative, System.Text.Encoding.UTF8.GetBytes(script));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (DirectoryNotFoundException) { }
        catch (IOException) { } // a process of the test may still hold a file; the OS temp cleaner gets it
    }
}
