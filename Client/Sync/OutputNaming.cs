using System.IO.Abstractions;
using MediaBroker.Client.Brokers;
using MediaBroker.Client.Configuration;
using MediaBroker.Client.State;
using MediaBroker.Client.Watching;

namespace MediaBroker.Client.Sync;

/// <summary>
/// Names each output before its source is sent, so that a clash is settled before anything is converted: clip.mp4
/// and clip.mov in one folder would both make clip.mkv. The name is held in the record (OutputPath) from then on,
/// and so claimed: the second source gets "clip (1).mkv", or with when_output_exists skip is not sent at all and
/// says why. A name is likewise settled against a file already there. No conversion is made only to be dropped.
/// </summary>
public sealed class OutputNaming(ClientDatabase database, FolderScanner scanner, IFileSystem files, ILogger<OutputNaming> logger)
{
    /// <summary>Decides the output's name, given the broker it goes to (whose conversion types say the extension).</summary>
    /// <returns>The record with its output name; unchanged when the name cannot be told yet (the broker names no
    /// extension for it) or was decided before; null when it is not to be sent (skip: marked skipped, with the reason).</returns>
    public TrackedFile? Decide(TrackedFile file, BrokerConnection broker)
    {
        if (file.OutputPath is not null) return file;
        var conversionType = file.ConversionType ?? broker.Info?.DefaultConversionTypes.GetValueOrDefault(file.MediaType!);
        if (conversionType is null || broker.Info?.ConversionTypes.GetValueOrDefault(conversionType) is not { } info) return file;
        var root = file.Manual ? null : scanner.RootOf(file.Path);
        var target = OutputPlacement.TargetFor(root, file.Path, "output." + info.OutputExtension, conversionType);
        var whenExists = root?.WhenOutputExists ?? OutputCollision.Number;
        foreach (var candidate in OutputPlacement.CandidatesFor(target))
        {
            var claimant = ClaimantOf(candidate, file.Path);
            var exists = files.File.Exists(candidate) || files.Directory.Exists(candidate);
            if (claimant is null && !exists)
            {
                if (candidate != target)
                    logger.LogInformation("{File} will make {Output}: {Target} is {Taken} (when_output_exists: number)", file.Path, candidate, target,
                        TakenBy(ClaimantOf(target, file.Path)));
                return file with { OutputPath = candidate };
            }
            if (whenExists == OutputCollision.Skip)
            {
                var reason = $"{target} is {TakenBy(claimant)}; not sent (when_output_exists: skip)";
                logger.LogWarning("{File}: {Reason}", file.Path, reason);
                database.Put(file with { Status = FileStatus.Skipped, UploadUrl = null, Errors = [reason] });
                return null;
            }
        }
        throw new IOException($"no free name for {target}");
    }

    /// <summary>The source, other than <paramref name="source"/>, whose output is to get this name (or has it).</summary>
    private TrackedFile? ClaimantOf(string output, string source) =>
        database.WithOutputPath(output).FirstOrDefault(other => other.Path != source && other.Status is not (FileStatus.Skipped or FileStatus.Refused));

    private static string TakenBy(TrackedFile? claimant) =>
        claimant is null ? "there already" : $"where {claimant.Path} goes";
}
