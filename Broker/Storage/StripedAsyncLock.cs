namespace MediaBroker.Broker.Storage;

/// <summary>
/// One lock per key without a lock object per key: keys hash onto a fixed set of semaphores.
/// Two keys may share a stripe, which only costs a little waiting, never correctness.
/// </summary>
public sealed class StripedAsyncLock(int stripes = 64)
{
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, stripes).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public async Task<Releaser> AcquireAsync(Guid key, CancellationToken cancellationToken = default)
    {
        var stripe = _stripes[(key.GetHashCode() & int.MaxValue) % _stripes.Length];
        await stripe.WaitAsync(cancellationToken);
        return new Releaser(stripe);
    }

    public readonly struct Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        public void Dispose() => semaphore.Release();
    }
}
