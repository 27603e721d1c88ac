using MediaBroker.Client.Brokers;
using MediaBroker.Client.State;
using MediaBroker.Shared.CommandLine;

namespace MediaBroker.Client.Commands;

/// <summary>
/// The brokers that did not answer, each with what waits for it: sync and status say so on stderr, so that files
/// "pending" for hours are never a mystery.
/// </summary>
public static class AwayBrokers
{
    public static IReadOnlyList<string> Describe(IEnumerable<BrokerConnection> brokers, IReadOnlyCollection<TrackedFile> files)
    {
        var lines = new List<string>();
        var all = brokers.OrderBy(broker => broker.Id, StringComparer.Ordinal).ToList();
        foreach (var broker in all.Where(broker => !broker.IsUp))
        {
            var waiting = files.Count(file => file.IsPending && file.ServerId == broker.Id);
            var problem = broker.LastProblem ?? "not answering";
            var why = broker.TokenRefused ? $"refused this client's token ({problem}; check its token in client.json)" : $"did not answer ({problem})";
            lines.Add($"broker {broker.Id} at {broker.Entry.Url} {why}; {Words.Count(waiting, "file")} {(waiting == 1 ? "waits" : "wait")} for it");
        }
        var unsent = files.Count(file => file.Status == FileStatus.Ready);
        if (all.Count > 0 && !all.Any(broker => broker.IsUp) && unsent > 0)
            lines.Add($"no broker answered: {Words.Count(unsent, "file")} {(unsent == 1 ? "waits" : "wait")} to be handed over");
        return lines;
    }
}
