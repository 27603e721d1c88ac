using System.Diagnostics;
using System.Globalization;
using System.Net;
using MediaBroker.Testing;

namespace MediaBroker.EndToEnd.Tests;

/// <summary>
/// scripts/install and scripts/uninstall, into a prefix: the tree they lay out, units systemd accepts and that start
/// the installed programs as Type=notify services, configuration never overwritten, data kept unless purged.
/// </summary>
[Collection(ReleaseBuilds.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class InstallScriptTests : IDisposable
{
    private readonly TempFolder _folder = new("install");

    public void Dispose() => _folder.Dispose();

    private string Root => _folder.Combine("root");

    private string Under(string path) => Root + path;

    [Fact]
    public async Task Install_lays_out_a_tree_whose_units_systemd_accepts_and_whose_services_notify_ready_once_started()
    {
        var install = await RunAsync("install", "--prefix", Root);
        Assert.True(install.Code == 0, install.Output);
        Assert.Contains("install: publishing", install.Output, StringComparison.Ordinal);

        Assert.True(File.Exists(Under("/opt/mediabroker/broker/media-broker.dll")));
        Assert.True(File.Exists(Under("/opt/mediabroker/client/media-client.dll")));
        foreach (var command in (string[])["media-broker", "media-client"])
            Assert.True(File.GetUnixFileMode(Under($"/usr/local/bin/{command}")).HasFlag(UnixFileMode.OtherExecute), command);
        Assert.True(Directory.Exists(Under("/var/lib/mediabroker/broker")));
        Assert.True(Directory.Exists(Under("/var/lib/mediabroker/client")));
        Assert.Contains($"\"data_path\": \"{Under("/var/lib/mediabroker/broker")}\"", File.ReadAllText(Under("/etc/mediabroker/broker.json")), StringComparison.Ordinal);
        Assert.Contains($"\"state_path\": \"{Under("/var/lib/mediabroker/client")}\"", File.ReadAllText(Under("/etc/mediabroker/client.json")), StringComparison.Ordinal);

        var broker = Unit("media-broker");
        Assert.Equal("notify", broker["Type"]);
        Assert.EndsWith($" {Under("/opt/mediabroker/broker/media-broker.dll")} serve --config {Under("/etc/mediabroker/broker.json")}", broker["ExecStart"], StringComparison.Ordinal);
        Assert.Equal(Under("/var/lib/mediabroker/broker"), broker["ReadWritePaths"]);
        Assert.True(StopTimeout(broker) > TimeSpan.FromSeconds(9), "longer than the broker's HostOptions.ShutdownTimeout");
        var client = Unit("media-client");
        Assert.Equal("notify", client["Type"]);
        Assert.EndsWith($" {Under("/opt/mediabroker/client/media-client.dll")} watch --config {Under("/etc/mediabroker/client.json")}", client["ExecStart"], StringComparison.Ordinal);
        Assert.Equal(Under("/var/lib/mediabroker/client"), client["ReadWritePaths"]);
        Assert.True(StopTimeout(client) > TimeSpan.FromSeconds(15), "longer than the client's HostOptions.ShutdownTimeout");
        foreach (var unit in (Dictionary<string, string>[])[broker, client])
        {
            Assert.Equal("on-failure", unit["Restart"]);
            Assert.Equal("yes", unit["NoNewPrivileges"]);
            Assert.Equal("strict", unit["ProtectSystem"]);
            Assert.Equal("yes", unit["ProtectHome"]);
            Assert.Equal("yes", unit["PrivateTmp"]);
        }

        // systemd-analyze warns on stderr and still exits 0 for a key or value it does not know: both must be clean.
        var verify = await RunAsync("/usr/bin/systemd-analyze", "verify",
            Under("/etc/systemd/system/media-broker.service"), Under("/etc/systemd/system/media-client.service"));
        Assert.True(verify.Code == 0 && verify.Output.Trim().Length == 0, $"systemd-analyze verify:\n{verify.Output}");

        await BrokerServiceNotifiesReadyOnceItAnswersAsync(broker["ExecStart"]);
        await ClientServiceNotifiesReadyAndStopsCleanlyAsync(client["ExecStart"]);
    }

    [Fact]
    public async Task Installing_again_keeps_the_configuration_and_uninstall_keeps_the_data_until_purge()
    {
        Assert.Equal(0, (await RunAsync("install", "--prefix", Root, "--broker")).Code);
        Assert.False(File.Exists(Under("/etc/systemd/system/media-client.service")), "--broker installs the broker only");
        var brokerJson = Under("/etc/mediabroker/broker.json");
        await File.AppendAllTextAsync(brokerJson, "// marker: changed by hand\n");
        var edited = await File.ReadAllTextAsync(brokerJson);
        var item = _folder.WriteFile("root/var/lib/mediabroker/broker/to_do/some-item/item.json", "{}"u8.ToArray());

        var again = await RunAsync("install", "--prefix", Root);
        Assert.True(again.Code == 0, again.Output);
        Assert.Contains("keeping " + brokerJson, again.Output, StringComparison.Ordinal);
        Assert.Equal(edited, await File.ReadAllTextAsync(brokerJson));
        Assert.True(File.Exists(Under("/etc/systemd/system/media-client.service")), "without --broker or --client, both");
        Assert.True(File.Exists(item));

        for (var run = 0; run < 2; run++)
        {
            var uninstall = await RunAsync("uninstall", "--prefix", Root);
            Assert.True(uninstall.Code == 0, uninstall.Output);
        }
        Assert.False(Directory.Exists(Under("/opt/mediabroker")));
        Assert.False(File.Exists(Under("/usr/local/bin/media-broker")));
        Assert.False(File.Exists(Under("/etc/systemd/system/media-broker.service")));
        Assert.False(File.Exists(Under("/etc/systemd/system/media-client.service")));
        Assert.Equal(edited, await File.ReadAllTextAsync(brokerJson));
        Assert.True(File.Exists(Under("/etc/mediabroker/client.json")));
        Assert.True(File.Exists(item));

        var purge = await RunAsync("uninstall", "--prefix", Root, "--purge");
        Assert.True(purge.Code == 0, purge.Output);
        Assert.False(Directory.Exists(Under("/etc/mediabroker")));
        Assert.False(Directory.Exists(Under("/var/lib/mediabroker")));
    }

    [Theory]
    [InlineData("install")]
    [InlineData("uninstall")]
    public async Task Help_prints_the_header_and_a_wrong_option_is_one_line_and_exit_code_2(string script)
    {
        var help = await RunAsync(script, "--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("--prefix DIR", help.Output, StringComparison.Ordinal);

        var wrong = await RunAsync(script, "--frobnicate");
        Assert.Equal(2, wrong.Code);
        Assert.Equal($"{script}: unknown option --frobnicate (see scripts/{script} --help)", wrong.Output.Trim());
    }

    /// <summary>READY=1 only once recovery is done and the port is open: the API answers at once, with no retry.</summary>
    private async Task BrokerServiceNotifiesReadyOnceItAnswersAsync(string execStart)
    {
        var port = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);
        await using var service = UnderSystemd.Start(_folder.Combine("broker.sock"), [.. execStart.Split(' '), "--port", port]);
        Assert.Equal("READY=1", await service.NextNotificationAsync("READY=1 from the broker"));
        using var http = new HttpClient();
        var server = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/api/server"));
        Assert.Equal(HttpStatusCode.OK, server.StatusCode);
        Assert.True(File.Exists(Under("/var/lib/mediabroker/broker/index.json")), "recovery wrote the data folder the config names");

        var stopped = service.StopAsync();
        Assert.Equal("STOPPING=1", await service.NextNotificationAsync("STOPPING=1 from the broker"));
        Assert.True(await stopped == 0, service.Output);
    }

    private async Task ClientServiceNotifiesReadyAndStopsCleanlyAsync(string execStart)
    {
        await using var service = UnderSystemd.Start(_folder.Combine("client.sock"), execStart.Split(' '));
        Assert.Equal("READY=1", await service.NextNotificationAsync("READY=1 from the client"));
        var stopped = service.StopAsync();
        Assert.Equal("STOPPING=1", await service.NextNotificationAsync("STOPPING=1 from the client"));
        Assert.True(await stopped == 0, service.Output);
    }

    private Dictionary<string, string> Unit(string name)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Under($"/etc/systemd/system/{name}.service")))
        {
            if (line.StartsWith('#') || line.StartsWith('[') || !line.Contains('=', StringComparison.Ordinal)) continue;
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            keys[line[..equals]] = line[(equals + 1)..];
        }
        return keys;
    }

    private static TimeSpan StopTimeout(Dictionary<string, string> unit) =>
        TimeSpan.FromSeconds(int.Parse(unit["TimeoutStopSec"].TrimEnd('s'), CultureInfo.InvariantCulture));


    /// <summary>A script of the repository (or a program by its full path), both streams together.</summary>
    private static async Task<(int Code, string Output)> RunAsync(string script, params string[] arguments)
    {
        var program = script.StartsWith('/') ? script : Path.Combine(Repository.Root, "scripts", script);
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repository.Root };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        process.WaitForExit(); // the last lines of both streams
        lock (output) return (process.ExitCode, output.ToString());
    }
}
