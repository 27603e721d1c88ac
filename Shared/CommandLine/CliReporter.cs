using MediaBroker.Shared.Configuration;

namespace MediaBroker.Shared.CommandLine;

/// <summary>The exit codes of MediaBroker's programs.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadUsage = 2;
    /// <summary>media-client sync: the pass went fine but work is still pending (for cron).</summary>
    public const int Pending = 3;
    public const int Interrupted = 130;
}

/// <summary>How a command talks to a person about problems: one line each on stderr, prefixed with the program's name.</summary>
public sealed class CliReporter(string program)
{
    public int Fail(string message, int exitCode = ExitCodes.Failed)
    {
        Console.Error.WriteLine($"{program}: {message}");
        return exitCode;
    }

    /// <summary>Something the user should know that is not a failure of the command (a broker away, say).</summary>
    public void Warn(string message) => Console.Error.WriteLine($"{program}: {message}");

    public int Fail(ConfigurationException error)
    {
        foreach (var problem in error.Problems) Console.Error.WriteLine($"{program}: {problem}");
        return ExitCodes.BadUsage;
    }
}
