using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;

namespace MediaBroker.Shared.CommandLine;

/// <summary>How both programs start: parse, then either run the command or explain the mistake in one line.</summary>
public static partial class CommandLineEntry
{
    /// <summary>
    /// A mistake in the arguments is one line on stderr (plus where to read more) and exit code 2; System.CommandLine
    /// alone would print the whole help first and the mistake last, where nobody looks. No arguments at all shows
    /// the help. Ctrl-C and SIGTERM are left to the commands (a clean stop), never cut short here.
    /// </summary>
    public static Task<int> RunAsync(RootCommand root, string program, string[] args)
    {
        if (args.Length == 0) args = ["--help"];
        var parse = root.Parse(args);
        if (parse.Errors.Count == 0 || parse.Action is HelpAction)
            return InvokeAsync(parse, program);

        var cli = new CliReporter(program);
        foreach (var message in Messages(program, parse)) cli.Fail(message);
        cli.Fail($"see '{CommandPath(program, parse.CommandResult)} --help'");
        return Task.FromResult(ExitCodes.BadUsage);
    }

    /// <summary>
    /// A file or folder that cannot be read or written (a path through a file, a full disk, no permission) ends the
    /// command with the system's one-line reason, never a stack trace.
    /// </summary>
    private static async Task<int> InvokeAsync(ParseResult parse, string program)
    {
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return new CliReporter(program).Fail(error.Message);
        }
    }

    /// <summary>The parser's messages, minus the noise: a word it did not know is the mistake, not the missing command.</summary>
    private static IEnumerable<string> Messages(string program, ParseResult parse)
    {
        // After an unknown word everything else is unmatched too: the first is the mistake.
        if (parse.UnmatchedTokens.Count > 0) return [$"'{parse.UnmatchedTokens[0]}' is not a command or option here"];
        if (parse.CommandResult.Command.Subcommands is { Count: > 0 } choices)
            return [$"'{CommandPath(program, parse.CommandResult)}' needs one of: {string.Join(", ", choices.Select(choice => choice.Name))}"];
        return parse.Errors.Select(error => ExpectedType().Replace(error.Message, match => match.Groups[1].Value switch
        {
            var type when type.Contains("Int32", StringComparison.Ordinal) || type.Contains("Int64", StringComparison.Ordinal) => "as a whole number",
            var type when type.Contains("Double", StringComparison.Ordinal) => "as a number",
            _ => match.Value,
        }));
    }

    [System.Text.RegularExpressions.GeneratedRegex("as expected type '([^']+)'")]
    private static partial System.Text.RegularExpressions.Regex ExpectedType();

    /// <summary>"media-client upload" for a mistake in upload's arguments; the program's own name for the root.</summary>
    private static string CommandPath(string program, CommandResult result)
    {
        var names = new List<string>();
        for (var current = result; current.Parent is CommandResult parent; current = parent)
            names.Insert(0, current.Command.Name);
        return string.Join(' ', names.Prepend(program));
    }
}
