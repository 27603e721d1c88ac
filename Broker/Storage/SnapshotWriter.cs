using System.Globalization;
using System.Text;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Storage;

/// <summary>
/// Writes index.json in the seed's layout, one item a line, each state's items in creation order:
/// <code>
/// {"version":7,"snapshot_taken_at":"…","to_do":{
/// "id":{…}
/// ,"id":{…}
/// },"in_progress":{
/// …
/// }}
/// </code>
/// The lines let a reader find items without parsing the structure (see <see cref="IndexEntries.FindByLine"/>); the
/// order lets the next snapshot be merged from this one and the journal as a stream (see <see cref="SnapshotMerge"/>).
/// </summary>
public sealed class SnapshotWriter(Stream stream)
{
    private int _state = -1;
    private bool _firstInState;

    public void Begin(long version, DateTimeOffset takenAt) =>
        Write($"{{\"version\":{version.ToString(CultureInfo.InvariantCulture)},\"snapshot_taken_at\":\"{takenAt.ToString("O", CultureInfo.InvariantCulture)}\",");

    /// <summary>Opens the map of <paramref name="status"/>; states come in <see cref="ItemStatuses.All"/> order.</summary>
    public void State(ItemStatus status)
    {
        if (_state >= 0) Write("\n},");
        _state = (int)status;
        _firstInState = true;
        Write($"\"{status.WireName()}\":{{");
    }

    /// <param name="itemJson">The item's JSON object, on one line.</param>
    public void Item(Guid itemId, ReadOnlySpan<byte> itemJson)
    {
        Write(_firstInState ? "\n\"" : "\n,\"");
        _firstInState = false;
        Write(itemId.ToString("D"));
        Write("\":");
        stream.Write(itemJson);
    }

    public void End() => Write("\n}}\n");

    private void Write(string text) => stream.Write(Encoding.UTF8.GetBytes(text));
}
