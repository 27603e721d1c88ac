using System.Buffers;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// A file read in large blocks that each end at a line break, so that index.json and its journal are read with
/// flat memory however large they are: a block is handed over, then its buffer is reused.
/// </summary>
public static class LineBlocks
{
    public const int DefaultBlockBytes = 16 << 20;

    /// <param name="onBlock">Whole lines (the last one of the file may lack its line break) and where they start in the file.</param>
    public static void Read(Stream stream, Action<ReadOnlyMemory<byte>, long> onBlock, long limit = long.MaxValue, int blockBytes = DefaultBlockBytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(blockBytes);
        try
        {
            long offset = 0;
            var filled = 0;
            while (true)
            {
                var read = stream.Read(buffer, filled, (int)Math.Min(buffer.Length - filled, Math.Max(0, limit - offset - filled)));
                filled += read;
                if (read == 0)
                {
                    if (filled > 0) onBlock(buffer.AsMemory(0, filled), offset);
                    return;
                }
                var end = buffer.AsSpan(0, filled).LastIndexOf((byte)'\n') + 1;
                if (end == 0)
                {
                    if (filled < buffer.Length) continue;
                    // One line longer than the block: grow, rather than fail on an item with a huge error list.
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                    continue;
                }
                onBlock(buffer.AsMemory(0, end), offset);
                offset += end;
                buffer.AsSpan(end, filled - end).CopyTo(buffer);
                filled -= end;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The lines of a block, each with where it starts in the file; without their line breaks.</summary>
    public static IEnumerable<(ReadOnlyMemory<byte> Line, long Offset, bool Ended)> Lines(ReadOnlyMemory<byte> block, long blockOffset)
    {
        var start = 0;
        while (start < block.Length)
        {
            var length = block.Span[start..].IndexOf((byte)'\n');
            var ended = length >= 0;
            if (!ended) length = block.Length - start;
            yield return (block.Slice(start, length), blockOffset + start, ended);
            start += length + 1;
        }
    }
}
