using System.Diagnostics;
using System.Globalization;
using MediaBroker.Testing;
using static MediaBroker.Bench.Measure;

namespace MediaBroker.Bench;

/// <summary>
/// How soon <c>scripts/run</c> is ready again when nothing changed (issue 16: "a few seconds, not 20"): from its start
/// to "MediaBroker is running" (its own broker listening, its own client watching), round by round beside the floor it
/// cannot go under, the broker alone from start to "listening on". The first build is done before the rounds.
/// </summary>
public static class RestartBench
{
    private const int Rounds = 5;

    public static async Task<int> RunAsync()
    {
        using var folder = new TempFolder("bench-restart");
        Console.WriteLine("restart: scripts/run with nothing to build, versus the broker alone, from start to ready");
        var first = await ReadyAsync(ScriptRun(folder.Combine("var")), "MediaBroker is running.");
        Row("first scripts/run (builds if the sources changed)", Seconds(first));

        var script = new List<TimeSpan>();
        var broker = new List<TimeSpan>();
        for (var round = 1; round <= Rounds; round++)
        {
            script.Add(await ReadyAsync(ScriptRun(folder.Combine("var")), "MediaBroker is running."));
            broker.Add(await ReadyAsync(BrokerAlone(folder.Combine("broker-alone")), " listening on "));
            Row($"round {round}: scripts/run, then the broker alone", $"{Seconds(script[^1])}, {Seconds(broker[^1])}");
        }
        Row("scripts/run ready again (median)", $"{Seconds(Median(script))} (from {Seconds(script.Min())} to {Seconds(script.Max())})");
        Row("the broker alone (median)", Seconds(Median(broker)));
        Row("scripts/run / the broker alone", RatioWithSpread(script.Zip(broker, (a, b) => a / b).ToList()));
        return 0;
    }

    private static ProcessStartInfo ScriptRun(string var)
    {
        var start = Redirected("bash");
        start.ArgumentList.Add(Path.Combine(Repository.Root, "scripts", "run"));
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture));
        start.Environment["MEDIABROKER_VAR"] = var;
        return start;
    }

    private static ProcessStartInfo BrokerAlone(string data)
    {
        var start = Redirected("dotnet");
        foreach (var argument in new[] { Path.Combine(Repository.Root, "Broker/bin/Release/net10.0/media-broker.dll"), "serve", "--data", data, "--port" })
            start.ArgumentList.Add(argument);
        start.ArgumentList.Add(LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture));
        return start;
    }

    private static ProcessStartInfo Redirected(string program) =>
        new(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };

    /// <summary>Starts the program, times it to its line that says it is ready, and stops it as Ctrl-C would (SIGTERM).</summary>
    private static async Task<TimeSpan> ReadyAsync(ProcessStartInfo start, string readyLine)
    {
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        void Read(object sender, DataReceivedEventArgs e)
        {
            lock (output) output.AppendLine(e.Data);
            if (e.Data?.Contains(readyLine, StringComparison.Ordinal) == true) ready.TrySetResult();
        }
        process.OutputDataReceived += Read;
        process.ErrorDataReceived += Read;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromMinutes(10))) != ready.Task)
            throw new InvalidOperationException($"{start.FileName} did not get ready:\n{output}");
        var elapsed = clock.Elapsed;
        Signals.Send(process.Id, Signals.Term);
        await exited.WaitAsync(TimeSpan.FromMinutes(1));
        return elapsed;
    }


    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
}
