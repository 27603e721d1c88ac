namespace MediaBroker.Broker.Conversion;

/// <summary>One program run: the program, its arguments as a list (never one string, never a shell), and how to watch it.</summary>
public sealed record ProcessRequest(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>Called for every stdout line, as it arrives; when null, stdout is collected instead.</summary>
    public Action<string>? OnOutputLine { get; init; }
    /// <summary>How many of the last stderr lines to keep for error messages.</summary>
    public int ErrorTailLines { get; init; } = 20;
    /// <summary>Past this, the run is stopped and reported as timed out.</summary>
    public TimeSpan? Timeout { get; init; }
    /// <summary>After a stop request: time to quit on its own (after 'q' on stdin) before it is killed.</summary>
    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>The item this run works for; listed in threads.json.</summary>
    public Guid? ItemId { get; init; }
    /// <summary>Upper bound on collected stdout, so a hostile file cannot make ffprobe print the broker out of memory.</summary>
    public int MaxCollectedOutputChars { get; init; } = 16 << 20;
}

public enum ProcessOutcome { Exited, Stopped, TimedOut }

public sealed record ProcessResult(ProcessOutcome Outcome, int ExitCode, string Output, IReadOnlyList<string> ErrorTail)
{
    public bool Succeeded => Outcome == ProcessOutcome.Exited && ExitCode == 0;

    /// <summary>The last lines of stderr, for a person reading an item's errors.</summary>
    public string ErrorText => string.Join('\n', ErrorTail);
}
