using System.Globalization;
using System.IO.Abstractions;
using System.Text.Json;
using MediaBroker.Broker.Media;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Json;

namespace MediaBroker.Broker.Conversion;

/// <summary>One running conversion in threads.json (the seed's "broker thread index").</summary>
public sealed record ThreadEntry(int Pid, DateTimeOffset StartedAt, Guid ItemId, long Version);

/// <summary>
/// Keeps threads.json equal to the conversions running now, keyed by pid; rewritten whenever a program starts or
/// exits (wired in <see cref="Hosting.BrokerLifecycle"/>). After a hard crash it tells the next start which ffmpeg
/// processes were left behind, so they can be stopped before their items are queued again.
/// </summary>
public sealed class ThreadsIndex(DataFolder data, IFileSystem files, RunningPrograms programs)
{
    private readonly Lock _writeLock = new();
    private long _version;
    private string? _written;

    /// <summary>Writes the conversions running now, unless the file says so already (a probe starting or ending changes nothing).</summary>
    public void Write()
    {
        lock (_writeLock)
        {
            var running = programs.All.Where(program => program.ItemId is not null).OrderBy(program => program.Pid).ToList();
            var key = string.Join(',', running.Select(program => program.Pid.ToString(CultureInfo.InvariantCulture)));
            if (key == _written) return;
            _version++;
            var entries = running.ToDictionary(
                program => program.Pid.ToString(CultureInfo.InvariantCulture),
                program => new ThreadEntry(program.Pid, program.StartedAt, program.ItemId!.Value, _version));
            files.WriteJsonAtomicallyAsync(data.ThreadsFile, entries, WireJson.Indented).GetAwaiter().GetResult();
            _written = key;
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
