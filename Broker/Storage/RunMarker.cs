using System.Globalization;
using System.IO.Abstractions;
using MediaBroker.Shared.Configuration;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// Who runs on a data folder, and whether the last run stopped cleanly.
/// <list type="bullet">
/// <item>broker.lock, opened exclusively for as long as the broker runs: an OS lock (flock on Linux) that the kernel
/// releases however the broker ends, so two brokers can never work on one folder (they would corrupt each other's
/// items), and a dead one never blocks the next.</item>
/// <item>broker.pid, present while a broker runs and removed after a clean stop (once the final index.json is
/// written): finding it at start means the last run died without stopping, so recovery checks every item folder
/// instead of trusting index.json.</item>
/// </list>
/// </summary>
public sealed class RunMarker : IDisposable
{
    private readonly IFileSystem _files;
    private readonly string _path;
    private readonly Stream _lock;
    private bool _released;

    private RunMarker(IFileSystem files, string path, Stream held, bool previousRunStoppedCleanly)
    {
        _files = files;
        _path = path;
        _lock = held;
        PreviousRunStoppedCleanly = previousRunStoppedCleanly;
    }

    public bool PreviousRunStoppedCleanly { get; }

    public static RunMarker Acquire(DataFolder data, IFileSystem files)
    {
        Stream held;
        try
        {
            held = files.FileStream.New(data.RunLockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            var owner = ReadPid(data, files) is { } pid ? $" (pid {pid.ToString(CultureInfo.InvariantCulture)})" : "";
            throw new ConfigurationException($"data_path: another broker{owner} is using {data.Root}; stop it first or choose another --data");
        }
        try
        {
            var cleanly = !files.File.Exists(data.RunMarkerFile);
            files.File.WriteAllText(data.RunMarkerFile, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            return new RunMarker(files, data.RunMarkerFile, held, cleanly);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    /// <summary>Called once everything is stopped and saved: the next start may trust index.json.</summary>
    public void Dispose()
    {
        if (_released) return;
        _released = true;
        _files.File.Delete(_path);
        _lock.Dispose();
    }

    /// <summary>Leaves broker.pid in place (the next start checks every folder) and lets go of the folder.</summary>
    public void Abandon()
    {
        if (_released) return;
        _released = true;
        _lock.Dispose();
    }

    private static int? ReadPid(DataFolder data, IFileSystem files)
    {
        try
        {
            return int.TryParse(files.File.ReadAllText(data.RunMarkerFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
