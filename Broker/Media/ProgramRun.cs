namespace MediaBroker.Broker.Media;

/// <summary>One run of an external program: the program, its arguments as a list (never one string, never a shell), and how to watch it.</summary>
public sealed record ProgramRun(string FileName, IReadOnlyList<string> Arguments)
{
    public static readonly TimeSpan DefaultStopGracePeriod = TimeSpan.FromSeconds(2);

    /// <summary>Called for every stdout line, as it arrives; when null, stdout is collected instead.</summary>
    public Action<string>? OnOutputLine { get; init; }
    /// <summary>How many of the last stderr lines to keep for error messages.</summary>
    public int ErrorTailLines { get; init; } = 20;
    /// <summary>Past this, the run is stopped and <see cref="ProgramTimeoutException"/> thrown.</summary>
    public TimeSpan? Timeout { get; init; }
    /// <summary>After a stop (SIGINT): time to quit on its own before it is killed.</summary>
    public TimeSpan StopGracePeriod { get; init; } = DefaultStopGracePeriod;
    /// <summary>The item this run works for; listed in threads.json.</summary>
    public Guid? ItemId { get; init; }
    /// <summary>Environment variables to set (a null value removes one) on top of the broker's own.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();
    /// <summary>Upper bound on collected stdout, so a hostile file cannot make ffprobe print the broker out of memory.</summary>
    public int MaxCollectedOutputChars { get; init; } = 16 << 20;
}

/// <summary>How a program that ran to its end ended. A stop or a timeout never gets here: those are exceptions.</summary>
public sealed record ProgramResult(int ExitCode, string Output, IReadOnlyList<string> ErrorTail)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The last lines of stderr, for a person reading an item's errors.</summary>
    public string ErrorText => string.Join('\n', ErrorTail);
}

/// <summary>The program could not be started at all (missing, not executable).</summary>
public sealed class ProgramStartException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// The run went past its time limit and was stopped. Unlike a stop the broker asked for (an
/// <see cref="OperationCanceledException"/>), this says something about the input: it made the program hang.
/// </summary>
public sealed class ProgramTimeoutException(string program, TimeSpan limit)
    : Exception($"{Path.GetFileName(program)} did not finish within {limit.TotalSeconds:0.#} s")
{
    public TimeSpan Limit { get; } = limit;
}
