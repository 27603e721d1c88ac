using MediaBroker.Bench;

return args.FirstOrDefault() switch
{
    "index" => await IndexBench.RunAsync(),
    "convert" => await ConvertBench.RunAsync(),
    "transfer" => await TransferBench.RunAsync(),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: MediaBroker.Bench index|convert|transfer");
    return 2;
}
