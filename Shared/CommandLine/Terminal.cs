using Spectre.Console;

namespace MediaBroker.Shared.CommandLine;

/// <summary>Console output of both command lines: colours only on a terminal, plain text in pipes and log files.</summary>
public static class Terminal
{
    public static IAnsiConsole Out { get; } = Create(Console.Out, Console.IsOutputRedirected);

    public static IAnsiConsole Error { get; } = Create(Console.Error, Console.IsErrorRedirected);

    /// <summary>A progress bar on stderr for a long transfer; nothing when stderr is not a terminal (scripts, cron).</summary>
    public static async Task ShowProgressAsync(string label, long total, Func<Action<long>, Task> work)
    {
        if (Console.IsErrorRedirected)
        {
            await work(_ => { });
            return;
        }
        await Error.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(label), maxValue: Math.Max(total, 1));
                await work(done => task.Value = done);
            });
    }

    private static IAnsiConsole Create(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = redirected ? InteractionSupport.No : InteractionSupport.Detect,
        });
        // A pipe has no width: a row stays one line there, whatever its paths, ids and timings, so that grep finds it whole.
        if (redirected) console.Profile.Width = 1000;
        return console;
    }
}
