namespace MediaBroker.Testing;

/// <summary>
/// The real ffmpeg behind a shell that notes every SIGINT it gets and ignores it: a program that will not stop
/// gracefully, to show that the broker kills it once the grace period is over, and not before.
/// </summary>
public static class StubbornFfmpeg
{
    /// <returns>The script to use as ffmpeg_path.</returns>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static string Write(TempFolder folder, string signalLog) => folder.WriteScript("stubborn-ffmpeg", $$"""
        #!/bin/bash
        trap 'echo INT >> "{{signalLog}}"' INT
        ffmpeg "$@" &
        child=$!
        while true; do
          wait "$child"; status=$?
          kill -0 "$child" 2>/dev/null || exit "$status"
        done
        """);

    public static bool GotSigint(string signalLog) => File.Exists(signalLog) && File.ReadAllText(signalLog).Contains("INT", StringComparison.Ordinal);
}
