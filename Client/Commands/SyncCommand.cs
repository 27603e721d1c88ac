using System.CommandLine;
using MediaBroker.Client.Hosting;
using MediaBroker.Shared.CommandLine;
using static MediaBroker.Client.Commands.ClientCommandLine;

namespace MediaBroker.Client.Commands;

/// <summary>
/// <c>media-client sync</c>: one full pass (scan, upload, poll, download), then exit; 0 when nothing is left
/// pending, 3 when something still is (for cron: run it again later).
/// </summary>
public static class SyncCommand
{
    public static Command Create()
    {
        var config = ConfigOption();
        var command = new Command("sync", "One full pass: scan the watched folders, hand new files over, fetch finished outputs, exit (0: nothing pending, 3: still pending).") { config };
        command.SetAction((parse, cancellationToken) => WithContextAsync(parse.GetValue(config), exclusive: true, verbose: true,
            context => RunAsync(context, cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(ClientContext context, CancellationToken cancellationToken)
    {
        var report = await context.Engine.RunPassAsync(scan: true, cancellationToken);
        // New files are only taken once stable: wait for that within this run rather than leave them for the next.
        for (var round = 0; round < 3 && report.NextStableAt is { } stable; round++)
        {
            var wait = stable - context.Time.GetUtcNow();
            if (wait > TimeSpan.FromSeconds(context.Settings.StableAfterSeconds + 1)) break;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
            report = await context.Engine.RunPassAsync(scan: true, cancellationToken);
        }
        // Each pass sends a few files; keep going while the brokers take them.
        while (report is { Sent: > 0, WaitingToBeSent: > 0 })
            report = await context.Engine.RunPassAsync(scan: false, cancellationToken);
        Console.WriteLine($"{report.Done} done, {report.Pending} pending, {report.Failed} failed, {report.Refused} refused");
        foreach (var line in AwayBrokers.Describe(context.Brokers.All, context.Database.All())) Cli.Warn(line);
        return report.Pending > 0 ? ExitCodes.Pending : ExitCodes.Ok;
    }
}
