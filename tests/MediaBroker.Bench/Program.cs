using MediaBroker.Bench;

return args.FirstOrDefault() switch
{
    "index" => await IndexBench.RunAsync(args[1..]),
    "convert" => await ConvertBench.RunAsync(),
    "transfer" => await TransferBench.RunAsync(),
    "load" => await LoadBench.RunAsync(),
    "scan" => await ScanBench.RunAsync(),
    "chaos" => await ChaosCommand.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: MediaBroker.Bench index|convert|transfer|load|scan|chaos");
    return 2;
}
