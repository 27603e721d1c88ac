namespace MediaBroker.Bench;

public static class ConvertBench
{
    public static Task<int> RunAsync() => Task.FromResult(0);
}
