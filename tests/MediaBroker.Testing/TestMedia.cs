using System.Collections.Concurrent;
using System.Diagnostics;

namespace MediaBroker.Testing;

/// <summary>
/// Tiny media files made by ffmpeg at test time (lavfi test sources), each made once per test run and copied out.
/// Nothing binary is checked into the repository.
/// </summary>
public static class TestMedia
{
    private static readonly string Root = Path.Combine(Path.GetTempPath(), "mediabroker-tests");
    private static readonly string Cache = Path.Combine(Root, $"media-{Environment.ProcessId}");
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Made = new();

    static TestMedia()
    {
        // The cache lives as long as the test process; one a killed run left behind goes at the next run.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteQuietly(Cache);
        foreach (var stale in Directory.Exists(Root) ? Directory.EnumerateDirectories(Root, "media-*") : [])
        {
            if (int.TryParse(Path.GetFileName(stale)["media-".Length..], out var pid) && !Directory.Exists($"/proc/{pid}")) DeleteQuietly(stale);
        }
    }

    private static void DeleteQuietly(string folder)
    {
        try { Directory.Delete(folder, recursive: true); }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>A video clip: testsrc picture, optional sine audio and a subtitle track, in the container of <paramref name="extension"/>.</summary>
    public static Task<string> VideoAsync(string target, double seconds = 2, bool audio = true, bool subtitles = false, string extension = "mkv",
        string size = "320x240", int seed = 0) =>
        CopyAsync($"video-{seconds}-{audio}-{subtitles}-{size}-{seed}.{extension}", target, path =>
        {
            var arguments = new List<string> { "-f", "lavfi", "-i", $"testsrc=size={size}:rate=25:duration={Num(seconds)}" };
            if (audio) arguments.AddRange(["-f", "lavfi", "-i", $"sine=frequency={440 + seed}:duration={Num(seconds)}"]);
            if (subtitles)
            {
                var srt = path + ".srt";
                File.WriteAllText(srt, $"1\n00:00:00,000 --> 00:00:01,000\nHello {seed}\n\n2\n00:00:01,000 --> 00:00:01,900\nWorld\n");
                arguments.AddRange(["-i", srt]);
            }
            arguments.AddRange(["-map", "0:v"]);
            if (audio) arguments.AddRange(["-map", "1:a"]);
            if (subtitles) arguments.AddRange(["-map", $"{(audio ? 2 : 1)}:s", "-metadata:s:s:0", "language=eng"]);
            // The seed shifts the picture so that clips of one size still differ in content.
            arguments.AddRange(["-vf", $"hue=h={seed * 37 % 360}", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]);
            if (audio) arguments.AddRange(["-c:a", extension == "mkv" ? "libopus" : "aac"]);
            if (subtitles) arguments.AddRange(["-c:s", "srt"]);
            arguments.AddRange(["-shortest", path]);
            return arguments;
        });

    public static Task<string> ImageAsync(string target, string extension = "png", string size = "64x48", int seed = 0) =>
        CopyAsync($"image-{size}-{seed}.{extension}", target, path =>
            ["-f", "lavfi", "-i", $"testsrc=size={size}:rate=1", "-vf", $"hue=h={seed * 37 % 360}", "-frames:v", "1", path]);

    public static Task<string> AudioAsync(string target, double seconds = 2, string extension = "wav", int seed = 0) =>
        CopyAsync($"audio-{seconds}-{seed}.{extension}", target, path =>
            ["-f", "lavfi", "-i", $"sine=frequency={300 + seed}:duration={Num(seconds)}", path]);

    /// <summary>
    /// A clip whose last three quarters are garbage: ffprobe accepts it (its header is whole), ffmpeg fails on it, so
    /// its item ends in finished_with_errors.
    /// </summary>
    public static async Task<string> BrokenVideoAsync(string target, int seed = 0)
    {
        var whole = await VideoAsync(target + ".whole.mkv", seconds: 2, audio: false, seed: seed);
        var bytes = await File.ReadAllBytesAsync(whole);
        File.Delete(whole);
        for (var i = bytes.Length / 4; i < bytes.Length; i++) bytes[i] = (byte)(i * 31 + 7);
        await File.WriteAllBytesAsync(target, bytes);
        return target;
    }

    /// <summary>Runs ffmpeg or ffprobe and returns stdout; throws with stderr when it fails.</summary>
    public static async Task<string> RunAsync(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', start.ArgumentList)} failed: {await errors}");
        return await output;
    }

    /// <summary>ffprobe's JSON description of a file (format and streams).</summary>
    public static Task<string> ProbeAsync(string path) =>
        RunAsync("ffprobe", ["-v", "error", "-show_format", "-show_streams", "-of", "json", path]);

    /// <summary>The container's title tag (what Plex and Jellyfin show), or null when it has none.</summary>
    public static async Task<string?> TitleTagAsync(string path) =>
        System.Text.Json.JsonDocument.Parse(await ProbeAsync(path)).RootElement.GetProperty("format") is var format
        && format.TryGetProperty("tags", out var tags) && tags.TryGetProperty("title", out var title) ? title.GetString() : null;

    private static async Task<string> CopyAsync(string key, string target, Func<string, List<string>> arguments)
    {
        var source = await Made.GetOrAdd(key, name => new Lazy<Task<string>>(async () =>
        {
            Directory.CreateDirectory(Cache);
            var path = Path.Combine(Cache, name);
            await RunAsync("ffmpeg", ["-hide_banner", "-v", "error", "-y", .. arguments(path)]);
            return path;
        })).Value;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
        File.Copy(source, target, overwrite: true);
        return target;
    }

    private static string Num(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
