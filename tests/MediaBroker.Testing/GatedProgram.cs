namespace MediaBroker.Testing;

/// <summary>
/// A real program (ffprobe, ffmpeg) behind a gate: a run whose last argument (the file it reads or writes) contains
/// <see cref="Match"/> says it started (a marker file) and waits until the test opens the gate, so a test can act
/// while that run is under way. Every other call, `-version` at start-up among them, goes straight through.
/// </summary>
public sealed class GatedProgram
{
    private GatedProgram(string path, string started, string open, string match) => (Path, _started, _open, Match) = (path, started, open, match);

    private readonly string _started;
    private readonly string _open;

    /// <summary>The script, to use as ffprobe_path or ffmpeg_path.</summary>
    public string Path { get; }
    public string Match { get; }

    public bool HasStarted => File.Exists(_started);

    public void Open() => File.WriteAllText(_open, "");

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static GatedProgram Write(TempFolder folder, string program, string match)
    {
        var started = folder.Combine($"{program}-started");
        var open = folder.Combine($"{program}-gate-open");
        var script = folder.WriteScript($"gated-{program}", $$"""
            #!/bin/bash
            case "${@: -1}" in
              *{{match}}*)
                touch "{{started}}"
                while [ ! -e "{{open}}" ]; do sleep 0.05; done ;;
            esac
            exec {{program}} "$@"
            """);
        return new GatedProgram(script, started, open, match);
    }
}
