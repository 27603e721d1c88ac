using MediaBroker.Broker.Media;

namespace MediaBroker.Broker.Tests.Media;

/// <summary>A program's output read as lines, each bounded: an endless line from a hostile file cannot grow in memory.</summary>
public sealed class OutputPipesTests
{
    private static async Task<List<string>> LinesOf(string text, int maxLineChars = OutputPipes.MaxLineChars)
    {
        var lines = new List<string>();
        await OutputPipes.ReadLinesAsync(new StringReader(text), lines.Add, maxLineChars, CancellationToken.None);
        return lines;
    }

    [Fact]
    public async Task Lines_end_at_newlines_with_or_without_a_carriage_return_and_the_last_needs_none()
    {
        Assert.Equal(["one", "two", "", "three"], await LinesOf("one\r\ntwo\n\nthree"));
        Assert.Empty(await LinesOf(""));
    }

    [Fact]
    public async Task A_line_longer_than_the_limit_keeps_its_beginning_and_the_next_line_is_whole()
    {
        var lines = await LinesOf(new string('x', 10_000) + "\nnext\n", maxLineChars: 100);

        Assert.Equal([new string('x', 100), "next"], lines);
    }

    [Fact]
    public async Task Lines_spanning_many_reads_arrive_whole()
    {
        var long1 = new string('a', 9000);
        var long2 = new string('b', 5000);

        Assert.Equal([long1, long2], await LinesOf($"{long1}\n{long2}", maxLineChars: 20_000));
    }
}
