using System.Runtime.CompilerServices;
using System.Collections.Concurrent;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// Values many items share (client ids, conversion types) stored once and referred to by number. Thread-safe, and
/// looked up by span, so that a million items read in parallel allocate no string per item.
/// </summary>
public sealed class NameTable
{
    private readonly ConcurrentDictionary<string, int> _numbers = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];
    private readonly Lock _gate = new();

    public int Number(string name) => _numbers.TryGetValue(name, out var number) ? number : Add(name);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a million times at start, before tiering would optimize it
    public int Number(ReadOnlySpan<char> name) =>
        _numbers.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out var number) ? number : Add(name.ToString());

    /// <returns>The number of a name already known, or -1: a query for an unknown client or type matches nothing.</returns>
    public int Find(string name) => _numbers.GetValueOrDefault(name, -1);

    public string Name(int number)
    {
        lock (_gate) return _names[number];
    }

    private int Add(string name)
    {
        lock (_gate)
        {
            if (_numbers.TryGetValue(name, out var number)) return number;
            _names.Add(name);
            _numbers[name] = _names.Count - 1;
            return _names.Count - 1;
        }
    }
}
