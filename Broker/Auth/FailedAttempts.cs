using System.Collections.Concurrent;
using System.Net;
using MediaBroker.Broker.Configuration;

namespace MediaBroker.Broker.Auth;

/// <summary>
/// Slows down whoever guesses tokens: after failed_token_attempts_per_minute wrong tokens from one address within a
/// minute, that address is answered 429 for the rest of the minute, good token or not (else the lockout would tell a
/// guesser which guess was right).
/// </summary>
public sealed class FailedAttempts(BrokerSettings settings, TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int MaxAddressesTracked = 10_000;

    private sealed class Tally
    {
        public DateTimeOffset Since;
        public int Count;
    }

    private readonly ConcurrentDictionary<IPAddress, Tally> _tallies = new();
    private long _forgottenAt;

    /// <summary>How long this address must wait, or null when it may try.</summary>
    public TimeSpan? LockedOutFor(IPAddress? address)
    {
        address = KeyOf(address);
        if (address is null || !_tallies.TryGetValue(address, out var tally)) return null;
        lock (tally)
        {
            var left = tally.Since + Window - time.GetUtcNow();
            return tally.Count >= settings.FailedTokenAttemptsPerMinute && left > TimeSpan.Zero ? left : null;
        }
    }

    /// <returns>The failures from this address in the current window, this one included.</returns>
    public int Record(IPAddress? address)
    {
        address = KeyOf(address);
        if (address is null) return 0;
        var now = time.GetUtcNow();
        // At most once a second: counting and sweeping ten thousand addresses on every wrong token would itself be the attack.
        var last = Interlocked.Read(ref _forgottenAt);
        if (now.ToUnixTimeMilliseconds() - last >= 1000 && Interlocked.CompareExchange(ref _forgottenAt, now.ToUnixTimeMilliseconds(), last) == last
            && _tallies.Count > MaxAddressesTracked)
            Forget(now);
        var tally = _tallies.GetOrAdd(address, _ => new Tally { Since = now });
        lock (tally)
        {
            if (now - tally.Since >= Window)
            {
                tally.Since = now;
                tally.Count = 0;
            }
            return ++tally.Count;
        }
    }

    /// <summary>
    /// An IPv6 caller is counted by its /64, the block one machine or home is given: otherwise it could take a new
    /// address for every guess.
    /// </summary>
    private static IPAddress? KeyOf(IPAddress? address)
    {
        if (address is null) return null;
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return address;
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes);
    }

    private void Forget(DateTimeOffset now)
    {
        foreach (var (address, tally) in _tallies)
            if (now - tally.Since >= Window) _tallies.TryRemove(address, out _);
    }
}
