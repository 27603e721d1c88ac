namespace MediaBroker.Bench;

public static class TransferBench
{
    public static Task<int> RunAsync() => Task.FromResult(0);
}
