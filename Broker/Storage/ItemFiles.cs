using System.IO.Abstractions;

namespace MediaBroker.Broker.Storage;

/// <summary>The fixed names of the files inside an item's folder.</summary>
public static class ItemFiles
{
    public const string Metadata = "item.json";
    /// <summary>The uploaded file. Its name never comes from the uploader; ffprobe, not an extension, says what it is.</summary>
    public const string Input = "input";
    /// <summary>
    /// The input of an item made from a link while it is being fetched. Not a leftover: it stays through a stop or a
    /// crash, and the next fetch resumes after its bytes.
    /// </summary>
    public const string FetchingInput = "input.fetching";
    private const string OutputStem = "output";
    private const string PartialMarker = ".partial";

    public static string Output(string extension) => $"{OutputStem}.{extension}";

    /// <summary>Where ffmpeg writes; the extension stays last so that ffmpeg picks the right muxer.</summary>
    public static string PartialOutput(string extension) => $"{OutputStem}{PartialMarker}.{extension}";

    /// <summary>A cover picture copied out of the input for the time of its conversion (see FfmpegArguments.CoversToAttach).</summary>
    public static string PartialCover(int order, string extension) => $"cover-{order}{PartialMarker}.{extension}";

    /// <summary>A finished output (not a partial one), whatever its extension.</summary>
    public static bool IsOutput(string fileName) =>
        fileName.StartsWith(OutputStem + ".", StringComparison.Ordinal) && !fileName.Contains(PartialMarker + ".", StringComparison.Ordinal);


    /// <summary>A file a crash can leave half-written: safe to delete at start.</summary>
    public static bool IsLeftover(string fileName) =>
        fileName.Contains(PartialMarker + ".", StringComparison.Ordinal) || Shared.Files.AtomicFile.IsTemporary(fileName);

    /// <summary>Deletes every file of an item's folder but its <see cref="Metadata"/>: what is left of an item whose files were removed.</summary>
    public static void RemoveAllButRecord(IFileSystem files, string folder)
    {
        foreach (var file in files.Directory.EnumerateFiles(folder).Where(file => files.Path.GetFileName(file) != Metadata).ToList())
            files.File.Delete(file);
    }
}
