using MediaBroker.Client.Commands;

return await ClientCommandLine.RunAsync(args);
