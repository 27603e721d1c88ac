using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MediaBroker.Testing;

namespace MediaBroker.EndToEnd.Tests;

/// <summary>The README's first command: scripts/run starts the whole product, and a dropped file comes out converted.</summary>
[Collection(ReleaseBuilds.Name)]
public sealed class RunScriptTests : IDisposable
{
    private readonly TempFolder _folder = new("run-script");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Scripts_run_starts_broker_and_client_and_a_dropped_picture_comes_out_converted()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
        start.ArgumentList.Add(Path.Combine(Repository.Root, "scripts", "run"));
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.Environment["MEDIABROKER_VAR"] = _folder.Path;
        using var run = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        run.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        run.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        run.BeginOutputReadLine();
        run.BeginErrorReadLine();
        try
        {
            await Eventually.TrueAsync(() =>
            {
                lock (output)
                {
                    if (output.ToString().Contains("MediaBroker is running.", StringComparison.Ordinal)) return true;
                    if (run.HasExited) throw new InvalidOperationException($"scripts/run ended ({run.ExitCode}) before it was running:\n{output}");
                    return false;
                }
            }, "scripts/run to say where to drop files", TimeSpan.FromMinutes(5));
            var picture = await TestMedia.ImageAsync(_folder.Combine("staged.png"), seed: 77);
            File.Move(picture, _folder.Combine("drop", "sunset.png"));

            await Eventually.TrueAsync(() => File.Exists(_folder.Combine("library", "sunset.webp")), "the converted picture in the library");
        }
        finally
        {
            if (!run.HasExited) Signals.Send(run.Id, Signals.Term);
            await run.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        Assert.Equal(0, run.ExitCode);
        lock (output) Assert.Contains("Drop videos, pictures or sound files into", output.ToString(), StringComparison.Ordinal);
    }
}
