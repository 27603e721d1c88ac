using System.Globalization;
using System.Text.Json;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Json;

namespace MediaBroker.Broker.Conversion;

/// <summary>One running conversion in threads.json (the seed's "broker thread index").</summary>
public sealed record ThreadEntry(int Pid, DateTimeOffset StartedAt, Guid ItemId, long Version);

/// <summary>
/// Keeps threads.json equal to the conversions running now, keyed by pid. After a hard crash it tells the next
/// start which ffmpeg processes were left behind, so they can be stopped before their items are queued again.
/// </summary>
public sealed class ThreadsIndex
{
    private readonly DataFolder _data;
    private readonly RunningProcesses _processes;
    private readonly Lock _writeLock = new();
    private long _version;

    public ThreadsIndex(DataFolder data, RunningProcesses processes)
    {
        _data = data;
        _processes = processes;
        processes.Changed += Write;
    }

    public void Write()
    {
        lock (_writeLock)
        {
            _version++;
            var entries = _processes.All.Where(process => process.ItemId is not null).ToDictionary(
                process => process.Pid.ToString(CultureInfo.InvariantCulture),
                process => new ThreadEntry(process.Pid, process.StartedAt, process.ItemId!.Value, _version));
            AtomicFile.WriteAsync(_data.ThreadsFile, (stream, ct) => JsonSerializer.SerializeAsync(stream, entries, WireJson.Indented, ct))
                .GetAwaiter().GetResult();
        }
    }

    /// <summary>The entries a previous run left, or none when the file is missing or unreadable.</summary>
    public static IReadOnlyList<ThreadEntry> ReadLeftovers(DataFolder data)
    {
        try
        {
            var text = File.ReadAllText(data.ThreadsFile);
            return JsonSerializer.Deserialize<Dictionary<string, ThreadEntry>>(text, WireJson.Options)?.Values.ToList() ?? [];
        }
        catch (Exception error) when (error is IOException or JsonException) { return []; }
    }
}
