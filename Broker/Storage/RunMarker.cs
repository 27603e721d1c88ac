using System.Globalization;
using System.IO.Abstractions;
using MediaBroker.Shared.Configuration;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// broker.pid in the data folder: present while a broker runs on it, removed after a clean stop (once the final
/// index.json is written). Finding it at start means one of two things: another broker uses this folder (refused:
/// two brokers would corrupt each other's items), or the last one died without stopping, so recovery must not trust
/// index.json blindly and checks every item folder.
/// </summary>
public sealed class RunMarker : IDisposable
{
    private readonly IFileSystem _files;
    private readonly string _path;
    private bool _released;

    private RunMarker(IFileSystem files, string path, bool previousRunStoppedCleanly)
    {
        _files = files;
        _path = path;
        PreviousRunStoppedCleanly = previousRunStoppedCleanly;
    }

    public bool PreviousRunStoppedCleanly { get; }

    public static RunMarker Acquire(DataFolder data, IFileSystem files)
    {
        var path = data.RunMarkerFile;
        var cleanly = true;
        if (files.File.Exists(path))
        {
            cleanly = false;
            if (int.TryParse(files.File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && pid != Environment.ProcessId && IsBroker(pid))
                throw new ConfigurationException($"data_path: another broker (pid {pid}) is using {data.Root}; stop it first or choose another --data");
        }
        files.File.WriteAllText(path, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
        return new RunMarker(files, path, cleanly);
    }

    /// <summary>Called once everything is stopped and saved: the next start may trust index.json.</summary>
    public void Dispose()
    {
        if (_released) return;
        _released = true;
        _files.File.Delete(_path);
    }

    private static bool IsBroker(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains("media-broker", StringComparison.Ordinal);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return false; // no such process
        }
    }
}
