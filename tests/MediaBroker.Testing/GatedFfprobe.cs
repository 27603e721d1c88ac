namespace MediaBroker.Testing;

/// <summary>
/// The real ffprobe behind a gate: a probe of a file whose path contains <see cref="Match"/> says it started (a marker
/// file) and waits until the test opens the gate, so a test can act while that probe runs. Every other call,
/// `-version` at start-up among them, goes straight through.
/// </summary>
public sealed class GatedFfprobe
{
    private GatedFfprobe(string path, string started, string open, string match) => (Path, _started, _open, Match) = (path, started, open, match);

    private readonly string _started;
    private readonly string _open;

    /// <summary>The script, to use as ffprobe_path.</summary>
    public string Path { get; }
    public string Match { get; }

    public bool HasStarted => File.Exists(_started);

    public void Open() => File.WriteAllText(_open, "");

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static GatedFfprobe Write(TempFolder folder, string match)
    {
        var started = folder.Combine("probe-started");
        var open = folder.Combine("probe-gate-open");
        var script = folder.WriteScript("gated-ffprobe", $$"""
            #!/bin/bash
            case "${@: -1}" in
              *{{match}}*)
                touch "{{started}}"
                while [ ! -e "{{open}}" ]; do sleep 0.05; done ;;
            esac
            exec ffprobe "$@"
            """);
        return new GatedFfprobe(script, started, open, match);
    }
}
