using System.Runtime.CompilerServices;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// What memory keeps of an item: what queries filter and sort on, and what the queue and disk figures count. The
/// full record stays in the item's item.json. A struct, about 120 bytes, held in arrays of dictionaries: a million
/// of them are a few large objects to the garbage collector, not millions of small ones.
/// </summary>
/// <param name="Client">The client id as its number in <see cref="NameTable"/>.</param>
/// <param name="ConversionType">The conversion type as its number in <see cref="NameTable"/>.</param>
/// <param name="Sha512Prefix">The first 128 bits of the content's sha512: enough to find a duplicate, which is then confirmed on the full record.</param>
/// <param name="Name">The original file name, for a search by name that must not read every item.json.</param>
/// <param name="FinishedAtTicks">When it last finished, 0 when not finished: what keep_failed_days counts from.</param>
/// <param name="FetchedAtTicks">When its client said it placed the output, 0 when not: what keep_finished_hours counts from.</param>
/// <param name="FilesRemoved">Only the record is left; its input and output are gone (see <see cref="Item.FilesRemovedAt"/>).</param>
/// <param name="SourceKey">For an item made from a link, its URL as a number (see <see cref="SourceKeys"/>), to find the same link again; 0 for an upload.</param>
public readonly record struct ItemSummary(
    Guid ItemId, ItemStatus Status, long CreatedAtTicks, long QueuedAtTicks, int Client, int ConversionType,
    UInt128 Sha512Prefix, long FileSize, long OutputSize, long Version, string Name,
    long FinishedAtTicks = 0, long FetchedAtTicks = 0, bool FilesRemoved = false, UInt128 SourceKey = default)
{
    public (long CreatedAtTicks, Guid ItemId) ListingKey => (CreatedAtTicks, ItemId);

    /// <summary>
    /// Whether its content is known. An item made from a link has no content until its input is fetched (an empty
    /// sha512, prefix 0); a real sha512 starting with 128 zero bits will not be met.
    /// </summary>
    public bool HasContent => Sha512Prefix != 0;

    public static ItemSummary Of(Item item, NameTable names) => new(
        item.ItemId, item.Status, item.CreatedAt.UtcTicks, item.QueuedAt.UtcTicks, names.Number(item.ClientId), names.Number(item.ConversionType),
        ShaPrefix.Of(item.Sha512Checksum), item.FileSize, item.Output?.FileSize ?? -1, item.Version, item.OriginalFileName,
        item.FinishedAt?.UtcTicks ?? 0, item.FetchedAt?.UtcTicks ?? 0, item.FilesRemovedAt is not null,
        item.Source is { } source ? SourceKeys.Of(source.Url) : 0);
}

/// <summary>The first 128 bits of a hex sha512, as a number.</summary>
public static class ShaPrefix
{
    public static UInt128 Of(string hex) => Of(System.Text.Encoding.ASCII.GetBytes(hex.Length > 32 ? hex[..32] : hex));

    /// <summary>Invalid hex digits count as 0: a record with a broken checksum simply finds no duplicate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // run a million times at start, before tiering would optimize it
    public static UInt128 Of(ReadOnlySpan<byte> hex)
    {
        UInt128 value = 0;
        for (var i = 0; i < 32; i++)
        {
            var digit = i < hex.Length ? hex[i] : (byte)'0';
            var nibble = digit switch
            {
                >= (byte)'0' and <= (byte)'9' => digit - '0',
                >= (byte)'a' and <= (byte)'f' => digit - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => digit - 'A' + 10,
                _ => 0,
            };
            value = (value << 4) | (uint)nibble;
        }
        return value;
    }
}

/// <summary>A link's URL as a number: the first 128 bits of its sha256. A match is confirmed on the full record.</summary>
public static class SourceKeys
{
    public static UInt128 Of(string url)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(url), hash);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(hash);
    }
}
