using MediaBroker.Shared.Configuration;

namespace MediaBroker.Broker.CommandLine;

/// <summary>How the broker's commands talk to a person: one line per problem on stderr, an exit code that says what kind.</summary>
public static class CliOutput
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadUsage = 2;

    public static int Fail(string message, int exitCode = Failed)
    {
        Console.Error.WriteLine($"media-broker: {message}");
        return exitCode;
    }

    public static int Fail(ConfigurationException error)
    {
        foreach (var problem in error.Problems) Console.Error.WriteLine($"media-broker: {problem}");
        return BadUsage;
    }
}
