namespace MediaBroker.Testing;

/// <summary>Waits for something that happens in the background. The limit is a safety net against hangs, never a speed test.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(90);

    public static async Task<T> GetAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? limit = null) where T : class
    {
        var deadline = DateTime.UtcNow + (limit ?? DefaultLimit);
        while (true)
        {
            if (await probe() is { } value) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"gave up waiting for {what}");
            await Task.Delay(50);
        }
    }

    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? limit = null) =>
        await GetAsync<object>(async () => await condition() ? new object() : null, what, limit);

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? limit = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, limit);
}
