using System.Diagnostics;

namespace MediaBroker.Testing;

/// <summary>The built media-client as a process: run a command to its end, or start the watch daemon.</summary>
public static class ClientProcess
{
    public sealed record Result(int ExitCode, string Output, string Errors)
    {
        public override string ToString() => $"exit {ExitCode}\n{Output}\n{Errors}";
    }

    public static async Task<Result> RunAsync(string workingDirectory, params string[] arguments)
    {
        using var process = Start(workingDirectory, arguments);
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return new Result(process.ExitCode, await output, await errors);
    }

    public static Process Start(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        start.ArgumentList.Add(Repository.ClientDll);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["DOTNET_EnableDiagnostics"] = "0"; // tests SIGKILL these; killed, they would leave their debug pipes in /tmp
        return Process.Start(start)!;
    }
}
