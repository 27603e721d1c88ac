using System.Diagnostics;
using System.Text.RegularExpressions;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Docs;

/// <summary>The README's examples run, in order, in one shell, against a real broker: the README stays true.</summary>
public sealed partial class ReadmeExamplesTests : IDisposable
{
    private readonly TempFolder _folder = new("readme");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Every_curl_and_command_line_example_of_the_readme_runs()
    {
        await using var broker = await BrokerProcess.StartAsync(_folder.Combine("data"));
        // The README's client example needs media-client; the broker project alone does not build it.
        Assert.True(File.Exists(Repository.ClientDll));
        var readme = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md"));
        // ```bash blocks are the examples; ```sh blocks (scripts/run, scripts/test, benchmarks) are tested elsewhere.
        var blocks = BashBlock().Matches(readme).Select(match => match.Groups[1].Value).ToList();
        Assert.True(blocks.Count >= 10, "the README lost its examples");
        var script = string.Join('\n', blocks)
            .Replace("Broker/bin/Release/", $"{Repository.Root}/Broker/bin/{Repository.Configuration}/", StringComparison.Ordinal)
            .Replace("Client/bin/Release/", $"{Repository.Root}/Client/bin/{Repository.Configuration}/", StringComparison.Ordinal);

        var (exitCode, output) = await RunBashAsync($"set -euo pipefail\nexport BROKER={broker.Url.ToString().TrimEnd('/')}\nexport BROKER_DATA={_folder.Combine("data")}\n{script}");

        Assert.True(exitCode == 0, output);
        Assert.Contains("Repr-Digest: sha-512=", output, StringComparison.Ordinal);
        Assert.Contains("\"status\":409", output, StringComparison.Ordinal); // retrying a successful item is refused
        Assert.Contains("204", output, StringComparison.Ordinal);
        Assert.Equal(1000, new FileInfo(_folder.Combine("first-kilobyte.bin")).Length);
        Assert.True(new FileInfo(_folder.Combine("holiday.jpg")).Length > 0);
        Assert.Contains("queued ", output, StringComparison.Ordinal);
        Assert.Contains("Tus-Extension: creation,creation-with-upload,termination,expiration,checksum", output, StringComparison.Ordinal);
        Assert.Matches("(?i)MediaBroker-Item-Id: [0-9a-f-]{36}", output);
        Assert.True(File.Exists(_folder.Combine("library", "trip.mkv")), output); // the client's example fetched it
        Assert.Contains("is back in to_do", output, StringComparison.Ordinal); // media-client retry beside the running watcher
        Assert.Contains("Stopped; unfinished transfers resume", File.ReadAllText(_folder.Combine("watch.log")), StringComparison.Ordinal);
        Assert.Contains("attic", output, StringComparison.Ordinal);
        Assert.Contains("401", output, StringComparison.Ordinal); // with a token in place, none is refused
        Assert.True(new FileInfo(_folder.Combine("shared-output")).Length > 0, output); // fetched by a signed link, without a token
        Assert.Contains("revoked 'me'", output, StringComparison.Ordinal);
        Assert.Contains("points at a loopback address", output, StringComparison.Ordinal); // a link the broker may not fetch from
        Assert.Contains("retry: 2000", output, StringComparison.Ordinal); // the event stream's first lines
        Assert.Contains("{\"status\":\"ready\"}", output, StringComparison.Ordinal); // GET /readyz
        Assert.Contains("\"by_conversion_type\":{", output, StringComparison.Ordinal); // GET /api/stats
        Assert.Contains("mediabroker_items{state=\"finished_successful\"}", output, StringComparison.Ordinal); // GET /metrics
    }

    private async Task<(int ExitCode, string Output)> RunBashAsync(string script)
    {
        // A file, not stdin: programs in the examples (ffmpeg) read their stdin and would eat the lines that follow.
        var file = _folder.WriteFile("readme-examples.sh", System.Text.Encoding.UTF8.GetBytes(script));
        var start = new ProcessStartInfo("bash", [file])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _folder.Path,
        };
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (process.ExitCode, await output + await errors);
    }

    [GeneratedRegex("```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();
}
