using System.IO.Abstractions;

namespace MediaBroker.Broker.Storage;

/// <summary>What index.journal says at start: the changes after the snapshot, the version they reach, the length of
/// its whole lines (a torn last line after them is ignored), and the items a change was under way for.</summary>
/// <param name="UnderWay">Items with an intent and no change line after it: the only ones a crash can have left different from the index.</param>
/// <param name="Exists">False when there is no journal (a broker from before journals, or none ever written).</param>
public sealed record JournalChanges(List<(Guid ItemId, ItemSummary? Summary)> Changes, long Version, long Length, HashSet<Guid> UnderWay, bool Exists)
{
    /// <returns>The changes, or what is damaged: a line that cannot be read with more lines after it, or a version that does not grow.</returns>
    public static (JournalChanges Changes, string? Damage) Read(IFileSystem files, string path, long snapshotVersion, NameTable names)
    {
        var changes = new List<(Guid, ItemSummary?)>();
        var underWay = new HashSet<Guid>();
        if (!files.File.Exists(path)) return (new JournalChanges(changes, snapshotVersion, 0, underWay, Exists: false), null);
        var version = snapshotVersion;
        long length = 0;
        string? damage = null;
        using (var stream = files.FileStream.New(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16))
        {
            LineBlocks.Read(stream, (block, offset) =>
            {
                foreach (var (line, lineOffset, ended) in LineBlocks.Lines(block, offset))
                {
                    if (damage is not null || length < lineOffset) { damage ??= $"an unreadable line at byte {length}"; return; }
                    if (JournalLine.Parse(line.Span, names) is not { } entry || !ended) continue; // torn, if it is the last one
                    if (entry.Version == 0) underWay.Add(entry.ItemId);
                    else underWay.Remove(entry.ItemId);
                    if (entry.Version > snapshotVersion)
                    {
                        // Versions only grow (by more than one where recovery found changes a crash kept off the journal).
                        if (entry.Version <= version) { damage = $"version {entry.Version} follows {version}"; return; }
                        version = entry.Version;
                        changes.Add((entry.ItemId, entry.Summary));
                    }
                    length = lineOffset + line.Length + 1;
                }
            });
        }
        return (new JournalChanges(changes, version, length, underWay, Exists: true), damage);
    }
}
