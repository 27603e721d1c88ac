using MediaBroker.Bench;

return args.FirstOrDefault() switch
{
    "index" => await IndexBench.RunAsync(args[1..]),
    // A data folder of N finished items, to look at a broker's start by hand: index-data N FOLDER
    "index-read" => IndexReadProbe.Run(args[1]),
    "index-data" => await IndexBenchData.CreateAsync(MediaBroker.Testing.Disk.DataFolder(args[2]), int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture)).ContinueWith(_ => 0),
    "convert" => await ConvertBench.RunAsync(),
    "transfer" => await TransferBench.RunAsync(),
    "load" => await LoadBench.RunAsync(),
    "scan" => await ScanBench.RunAsync(),
    "events" => await EventsBench.RunAsync(),
    "restart" => await RestartBench.RunAsync(),
    "chaos" => await ChaosCommand.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: MediaBroker.Bench index|convert|transfer|load|scan|events|restart|chaos");
    return 2;
}
