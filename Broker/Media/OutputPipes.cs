using System.Text;
using CliWrap;

namespace MediaBroker.Broker.Media;

/// <summary>
/// Where a program's stdout and stderr go. Both are always read to their end (a full pipe would stall the program),
/// but what is kept is bounded: a hostile file can make ffmpeg print without end, or print one endless line, and
/// neither may grow in the broker's memory. (CliWrap's own <c>PipeTarget.ToDelegate</c> keeps a whole line however long.)
/// </summary>
public static class OutputPipes
{
    public const int MaxLineChars = 4000;
    private const int BufferChars = 4096;

    /// <summary>Every line to <paramref name="onLine"/>, each cut at <paramref name="maxLineChars"/>.</summary>
    public static PipeTarget Lines(Action<string> onLine, int maxLineChars = MaxLineChars) =>
        PipeTarget.Create(async (stream, cancellationToken) =>
        {
            using var reader = new StreamReader(stream, Encoding.UTF8, false, BufferChars, leaveOpen: true);
            await ReadLinesAsync(reader, onLine, maxLineChars, cancellationToken);
        });

    /// <summary>The text as it comes, into <paramref name="text"/>, up to <paramref name="maxChars"/>; the rest is read and dropped.</summary>
    public static PipeTarget Text(StringBuilder text, int maxChars) =>
        PipeTarget.Create(async (stream, cancellationToken) =>
        {
            using var reader = new StreamReader(stream, Encoding.UTF8, false, BufferChars, leaveOpen: true);
            var buffer = new char[BufferChars];
            int read;
            while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
                text.Append(buffer, 0, Math.Min(read, Math.Max(0, maxChars - text.Length)));
        });

    /// <summary>Splits at '\n' (a '\r' before it is dropped); a line longer than the limit keeps its beginning.</summary>
    public static async Task ReadLinesAsync(TextReader reader, Action<string> onLine, int maxLineChars, CancellationToken cancellationToken)
    {
        var buffer = new char[BufferChars];
        var line = new StringBuilder();
        int read;
        while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] == '\n')
                {
                    Emit(line, onLine);
                    continue;
                }
                if (line.Length < maxLineChars) line.Append(buffer[i]);
            }
        }
        if (line.Length > 0) Emit(line, onLine);
    }

    private static void Emit(StringBuilder line, Action<string> onLine)
    {
        if (line.Length > 0 && line[^1] == '\r') line.Length--;
        onLine(line.ToString());
        line.Clear();
    }
}
