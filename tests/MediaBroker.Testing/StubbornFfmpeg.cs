namespace MediaBroker.Testing;

/// <summary>
/// The real ffmpeg behind a wrapper that notes every SIGINT it gets and ignores it: a program that will not stop
/// gracefully, to show that the broker kills it once the grace period is over, and not before.
/// </summary>
/// <remarks>
/// The wrapper is Perl (perl-base is in every Debian), not a shell: a test run started in the background by a
/// non-interactive shell inherits SIGINT ignored, and a shell cannot trap a signal ignored when it started, so a
/// shell wrapper would never see the SIGINT there. Perl installs its handler whatever it inherited.
/// </remarks>
public static class StubbornFfmpeg
{
    /// <returns>The script to use as ffmpeg_path.</returns>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static string Write(TempFolder folder, string signalLog) => folder.WriteScript("stubborn-ffmpeg", $$"""
        #!/usr/bin/perl
        use strict;
        use warnings;
        use POSIX ();
        sub note { open(my $log, '>>', '{{signalLog.Replace("'", "\\'", StringComparison.Ordinal)}}') or return; print $log "$_[0]\n"; close($log); }
        $SIG{INT} = sub { note('INT') };
        note("LISTENING $$"); # a SIGINT sent before this line would be lost: tests wait for it
        my $child = fork() // die "fork: $!";
        if ($child == 0) { exec('ffmpeg', @ARGV) or POSIX::_exit(127); }
        while (1) {
            # A SIGINT interrupts the wait; the handler notes it and the wait goes on until ffmpeg is gone.
            my $gone = waitpid($child, 0);
            next if $gone == -1 && $!{EINTR};
            exit(0) if $gone == -1;
            exit($? & 127 ? 128 + ($? & 127) : $? >> 8);
        }
        """);

    /// <summary>True once the wrapper of process <paramref name="pid"/> notes SIGINT: one sent earlier, while it was starting, would be lost.</summary>
    public static bool IsListening(string signalLog, int pid) => Lines(signalLog).Contains($"LISTENING {pid}");

    public static bool GotSigint(string signalLog) => Lines(signalLog).Contains("INT");

    private static string[] Lines(string signalLog) => File.Exists(signalLog) ? File.ReadAllLines(signalLog) : [];
}
