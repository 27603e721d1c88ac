namespace MediaBroker.Shared.Configuration;

/// <summary>A configuration a program cannot start with; each entry of <see cref="Problems"/> is one line for the user.</summary>
public sealed class ConfigurationException(IReadOnlyList<string> problems)
    : Exception(string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;

    public ConfigurationException(string problem) : this([problem]) { }
}
