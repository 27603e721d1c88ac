namespace MediaBroker.EndToEnd.Tests;

/// <summary>
/// Tests whose scripts build the programs in Release (scripts/run, scripts/install): run one at a time, as two builds
/// of one project into the same obj/Release folder at once would trip over each other's files.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ReleaseBuilds
{
    public const string Name = "Release builds";
}
