using System.IO.Abstractions;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Media;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Conversion;

/// <summary>
/// Video and audio: ffmpeg with the profile's arguments (covers carried over as pictures, see
/// <see cref="FfmpegArguments.CoversToAttach"/>), then the output read back by ffprobe and, for <c>verify: "decode"</c>,
/// decoded whole.
/// </summary>
public sealed class FfmpegConversion(IFileSystem files, ProgramRunner runner, MediaProbe probe, BrokerSettings settings, ItemStore store,
    TimeProvider time) : IMediaConversion
{
    private const int ErrorLinesKept = 12;

    public async Task<IReadOnlyList<string>?> ConvertAsync(Guid itemId, ConversionProfile profile, MediaInfo media, string input, string partial, string? title,
        CancellationToken cancellationToken)
    {
        var folder = files.Path.GetDirectoryName(partial)!;
        var covers = FfmpegArguments.CoversToAttach(profile, media).Select((stream, order) => CoverFile.For(stream, folder, order)).ToList();
        try
        {
            foreach (var cover in covers)
            {
                var copied = await runner.RunAsync(new ProgramRun(settings.FfmpegPath, FfmpegArguments.ExtractCover(input, cover.Stream, cover.Path))
                {
                    Timeout = MediaProbe.Timeout, ItemId = itemId, ErrorTailLines = ErrorLinesKept,
                }, cancellationToken);
                if (!copied.Succeeded)
                    return [$"the cover picture (stream {cover.Stream.Index}) could not be copied out of the file", .. copied.ErrorTail.Select(line => HidePaths(line, folder))];
            }
            return await RunFfmpegAsync(itemId, profile, media, input, partial, covers, title, cancellationToken);
        }
        catch (ProgramTimeoutException)
        {
            return ["ffmpeg could not copy the cover picture out of the file within a minute"];
        }
        finally
        {
            foreach (var cover in covers) files.DeleteFileQuietly(cover.Path);
        }
    }

    public async Task<string?> VerifyAsync(ConversionProfile profile, MediaInfo media, string partial, CancellationToken cancellationToken)
    {
        var output = await probe.ProbeAsync(partial, cancellationToken);
        if (OutputVerifier.FindProblem(media, output.Media, output.Problem, profile) is { } problem) return problem;
        return profile.DecodesToVerify ? await DecodeAsync(media, partial, cancellationToken) : null;
    }

    /// <returns>Null when ffmpeg finished; otherwise the errors to record. A stop throws, with the partial file gone.</returns>
    private async Task<IReadOnlyList<string>?> RunFfmpegAsync(Guid itemId, ConversionProfile profile, MediaInfo media, string input, string partial,
        IReadOnlyList<CoverFile> covers, string? title, CancellationToken cancellationToken)
    {
        var timeout = settings.ConversionTimeout(media.DurationSeconds);
        try
        {
            var result = await runner.RunAsync(new ProgramRun(settings.FfmpegPath, FfmpegArguments.Build(profile, input, partial, media, covers, title))
            {
                OnOutputLine = ConversionProgress.ReporterFor(store, time, itemId, media.DurationSeconds),
                Timeout = timeout,
                ItemId = itemId,
                ErrorTailLines = ErrorLinesKept,
            }, cancellationToken);
            var folder = files.Path.GetDirectoryName(partial)!;
            return result.Succeeded ? null
                : [$"ffmpeg failed with exit code {result.ExitCode}", .. result.ErrorTail.Select(line => HidePaths(line, folder))];
        }
        catch (ProgramTimeoutException)
        {
            return [$"ffmpeg was stopped after {timeout.TotalMinutes:0.#} minutes without finishing "
                + "(the limit is conversion_timeout_factor times the input's duration, at least conversion_timeout_min_seconds)"];
        }
        catch
        {
            files.DeleteFileQuietly(partial);
            throw;
        }
    }

    /// <summary>Every frame of every video and audio stream decoded, as the thorough checks of Tdarr and FileFlows do.</summary>
    private async Task<string?> DecodeAsync(MediaInfo media, string partial, CancellationToken cancellationToken)
    {
        var timeout = settings.ConversionTimeout(media.DurationSeconds);
        try
        {
            var result = await runner.RunAsync(new ProgramRun(settings.FfmpegPath,
            [
                "-hide_banner", "-nostats", "-v", "error", .. InputSafety.Options, "-i", InputSafety.FileUrl(partial),
                "-map", "0:v?", "-map", "0:a?", "-f", "null", "-",
            ]) { Timeout = timeout, ErrorTailLines = ErrorLinesKept }, cancellationToken);
            var folder = files.Path.GetDirectoryName(partial)!;
            if (result.Succeeded && result.ErrorTail.Count == 0) return null;
            var first = result.ErrorTail.Select(line => HidePaths(line, folder)).FirstOrDefault() ?? $"exit code {result.ExitCode}";
            return $"the output does not decode cleanly (verify: decode): {first}";
        }
        catch (ProgramTimeoutException)
        {
            return $"decoding the output to verify it took longer than {timeout.TotalMinutes:0.#} minutes";
        }
    }

    private static string HidePaths(string line, string folder) =>
        line.Replace("file:" + folder + Path.DirectorySeparatorChar, "", StringComparison.Ordinal)
            .Replace(folder + Path.DirectorySeparatorChar, "", StringComparison.Ordinal);
}
