using System.Runtime.CompilerServices;
using System.Buffers.Text;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Storage;

/// <summary>One item line of index.json: the state it is listed under, its id, and its JSON object.</summary>
public readonly record struct SnapshotLine(ItemStatus Status, Guid ItemId, ReadOnlyMemory<byte> Json);

/// <summary>Walks the lines of index.json as <see cref="SnapshotWriter"/> lays them out, block by block.</summary>
public sealed class SnapshotLines
{
    private ItemStatus? _open;
    private bool _headerRead;

    public IndexDocument Header { get; } = new();

    /// <summary>The last line closed the index: a file cut short is not taken for a smaller index.</summary>
    public bool Ended { get; private set; }

    /// <summary>The item lines of one block (see <see cref="LineBlocks"/>).</summary>
    /// <exception cref="InvalidDataException">The file is not laid out one item a line (for example, edited by hand).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a million times at start, before tiering would optimize it
    public List<SnapshotLine> Items(ReadOnlyMemory<byte> block, long blockOffset)
    {
        var found = new List<SnapshotLine>(block.Length / 512);
        foreach (var (line, _, _) in LineBlocks.Lines(block, blockOffset))
        {
            var span = line.Span;
            if (!_headerRead)
            {
                _headerRead = true;
                if (!IndexEntries.ReadHeader(span, Header, out _open)) throw NotOurLayout();
                continue;
            }
            if (span.Trim(" \r"u8).IsEmpty) continue;
            Ended = false;
            var lead = span.Length > 0 && span[0] == (byte)',' ? 1 : 0;
            if (IndexEntries.IsItemLine(span, lead))
            {
                if (_open is not { } status || !Utf8Parser.TryParse(span.Slice(lead + 1, 36), out Guid id, out _, 'D')) throw NotOurLayout();
                found.Add(new SnapshotLine(status, id, line[(lead + 39)..]));
            }
            else if (!IndexEntries.FollowStructure(span, ref _open)) throw NotOurLayout();
            else Ended = _open is null && span.TrimEnd(" \r"u8).EndsWith("}}"u8);
        }
        return found;
    }

    private static InvalidDataException NotOurLayout() => new("index.json is not laid out one item a line");
}
