using System.CommandLine;

var root = new RootCommand("MediaBroker client: watches folders, sends media to brokers, fetches the converted files back.");
return await root.Parse(args).InvokeAsync();
