using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace MediaBroker.Shared.Reliability;

/// <summary>
/// Every step that changes what is on disk is a crash point, named by what it does to which kind of path (for example
/// <c>Directory.Move &lt;data&gt;/in_progress/&lt;id&gt; -&gt; &lt;data&gt;/finished_successful/&lt;id&gt;</c>). A broker or client
/// started with <c>MEDIABROKER_CRASH_AT="N|name"</c> dies, as kill -9 would, right before the N-th time it reaches that
/// point (<see cref="CrashingFileSystem"/>); with <c>MEDIABROKER_CRASH_LOG=FILE</c> every point reached is appended to
/// FILE, so that a test can list the points a scenario passes and then crash at each in turn. Unset, nothing of this runs.
/// </summary>
public static partial class CrashPoints
{
    public const string CrashAtVariable = "MEDIABROKER_CRASH_AT";
    public const string LogVariable = "MEDIABROKER_CRASH_LOG";

    private static readonly (int Occurrence, string Name)? CrashAt = ParseCrashAt(Environment.GetEnvironmentVariable(CrashAtVariable));
    private static readonly string? Log = Environment.GetEnvironmentVariable(LogVariable) is { Length: > 0 } log ? log : null;
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, int> Reached = new(StringComparer.Ordinal);
    private static readonly List<(string Path, string Label)> Roots = [];

    /// <summary>True when the process was started to list or to crash at its points.</summary>
    public static bool Armed => CrashAt is not null || Log is not null;

    /// <summary>Paths under <paramref name="path"/> are named from <paramref name="label"/> on (such as &lt;data&gt;), so that names are the same in every run.</summary>
    public static void AddRoot(string path, string label)
    {
        if (!Armed) return;
        lock (Gate)
        {
            Roots.Add((Path.GetFullPath(path).TrimEnd('/'), label));
            Roots.Sort((a, b) => b.Path.Length.CompareTo(a.Path.Length));
        }
    }

    /// <summary>A step is about to change the disk: counted, logged, and the process dies here if this is the one.</summary>
    public static void Reach(string operation, string path, string? target = null)
    {
        if (!Armed) return;
        lock (Gate)
        {
            var name = target is null ? $"{operation} {Shape(path)}" : $"{operation} {Shape(path)} -> {Shape(target)}";
            var occurrence = Reached[name] = Reached.GetValueOrDefault(name) + 1;
            if (Log is not null) File.AppendAllText(Log, $"{occurrence.ToString(CultureInfo.InvariantCulture)}|{name}\n");
            if (CrashAt is { } at && at.Occurrence == occurrence && at.Name == name) Die();
        }
    }

    /// <summary>The value of <see cref="CrashAtVariable"/> for the <paramref name="occurrence"/>-th time a point is reached.</summary>
    public static string At(int occurrence, string name) => $"{occurrence.ToString(CultureInfo.InvariantCulture)}|{name}";

    /// <summary>A path as the kind of thing it is: from its root's label on, every id and random suffix as &lt;id&gt;.</summary>
    public static string Shape(string path)
    {
        var full = path.Replace('\\', '/');
        string relative;
        lock (Gate)
        {
            var root = Roots.FirstOrDefault(root => full == root.Path || full.StartsWith(root.Path + "/", StringComparison.Ordinal));
            relative = root.Label is null ? string.Join('/', full.TrimEnd('/').Split('/').TakeLast(3)) : root.Label + full[root.Path.Length..];
        }
        return Ids().Replace(relative, "<id>");
    }

    private static (int, string)? ParseCrashAt(string? value)
    {
        var separator = value?.IndexOf('|') ?? -1;
        return separator > 0 && int.TryParse(value![..separator], NumberStyles.None, CultureInfo.InvariantCulture, out var occurrence)
            ? (occurrence, value[(separator + 1)..]) : null;
    }

    private static void Die()
    {
        // SIGKILL to itself: no finally block, no flush, no handler runs, exactly as when someone kills the process.
        _ = Kill(Environment.ProcessId, 9);
        Environment.FailFast("crash point reached"); // only if the signal could not be sent
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}|(?<=broker-)\\d{8}")]
    private static partial Regex Ids();
}
