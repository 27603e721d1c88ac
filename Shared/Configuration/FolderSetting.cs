namespace MediaBroker.Shared.Configuration;

/// <summary>A setting that names a folder the program creates when missing (broker data_path, client state_path).</summary>
public static class FolderSetting
{
    /// <summary>Creates the folder, or stops the program with one line naming the key and why it cannot be used.</summary>
    public static void EnsureCreated(string key, string path, Action create)
    {
        try
        {
            create();
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(File.Exists(path)
                ? $"{key}: '{path}' is a file; name a folder (it is created if missing)"
                : $"{key}: cannot use '{path}': {error.Message}");
        }
    }
}
