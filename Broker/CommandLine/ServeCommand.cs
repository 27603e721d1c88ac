using System.CommandLine;
using System.Net.Sockets;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Hosting;
using MediaBroker.Shared.CommandLine;
using MediaBroker.Shared.Configuration;

namespace MediaBroker.Broker.CommandLine;

/// <summary><c>media-broker serve</c>: runs the broker until Ctrl-C or SIGTERM.</summary>
public static class ServeCommand
{
    private static readonly CliReporter Cli = new("media-broker");

    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "broker.json to read (default: ./broker.json when present)" };
        var data = new Option<string?>("--data") { Description = "data folder (overrides data_path)" };
        var port = new Option<int?>("--port") { Description = "port to listen on (overrides listen_on_port; 0 picks a free one)" };
        var address = new Option<string?>("--address") { Description = "address to listen on (overrides listen_address)" };
        var allowAnonymous = new Option<bool>("--allow-anonymous")
        {
            Description = "serve requests without a token on an address other machines reach, while no token exists (logged at every start)",
        };
        var command = new Command("serve", "Run the broker: HTTP API on listen_address:listen_on_port, conversions on number_of_conversion_threads workers.")
        {
            config, data, port, address, allowAnonymous,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(config), new BrokerOverrides(parse.GetValue(data), parse.GetValue(port), parse.GetValue(address), parse.GetValue(allowAnonymous))));
        return command;
    }

    private static async Task<int> RunAsync(string? configPath, BrokerOverrides overrides)
    {
        try
        {
            var settings = BrokerSettingsLoader.Load(configPath, overrides);
            await using var app = BrokerApp.Create(settings);
            try
            {
                await app.RunAsync();
            }
            catch (IOException error) when (error.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || error.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                return Cli.Fail($"cannot listen on {settings.ListenAddress}:{settings.ListenOnPort}: the port is taken (another broker? choose one with --port)");
            }
            return ExitCodes.Ok;
        }
        catch (ConfigurationException error)
        {
            return Cli.Fail(error);
        }
    }
}
