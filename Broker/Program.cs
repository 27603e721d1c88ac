using MediaBroker.Broker.CommandLine;

return await BrokerCommandLine.RunAsync(args);

/// <summary>The entry point; visible to tests.</summary>
public partial class Program;
