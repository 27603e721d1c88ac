using System.Diagnostics;
using MediaBroker.Broker.Storage;

namespace MediaBroker.Broker.Conversion;

/// <summary>
/// A broker killed hard (SIGKILL, power) cannot stop its ffmpeg children; they would keep writing into folders the
/// next start recovers. Before recovery, every process listed in threads.json that still works inside this data
/// folder is killed. (Stopping a process the broker did not start is not CliWrap's job: this one only signals.)
/// </summary>
public static class OrphanConversions
{
    public static int KillLeftovers(DataFolder data, ILogger logger)
    {
        var killed = 0;
        foreach (var entry in ThreadsIndex.ReadLeftovers(data))
        {
            if (!WorksInside(entry.Pid, data.Root)) continue;
            try
            {
                using var process = Process.GetProcessById(entry.Pid);
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
                killed++;
                logger.LogWarning("Stopped ffmpeg {Pid} left running by a previous broker for item {ItemId}", entry.Pid, entry.ItemId);
            }
            catch (Exception error) when (error is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { }
        }
        return killed;
    }

    // A pid may have been reused by an unrelated program: only a process whose command line names this data folder is ours.
    private static bool WorksInside(int pid, string dataRoot)
    {
        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline");
            return commandLine.Contains(dataRoot, StringComparison.Ordinal);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException) { return false; }
    }
}
