using MediaBroker.Shared.Files;

namespace MediaBroker.Shared.Tests;

public sealed class FileNamesTests
{
    [Theory]
    [InlineData("../../x", "x")]
    [InlineData("/etc/passwd", "passwd")]
    [InlineData("C:\\Windows\\system.ini", "system.ini")]
    [InlineData("..", "unnamed")]
    [InlineData(".", "unnamed")]
    [InlineData("", "unnamed")]
    [InlineData("   ", "unnamed")]
    [InlineData(".hidden.mp4", "hidden.mp4")]
    [InlineData("a\0b.mp4", "ab.mp4")]
    [InlineData("tab\there.mp4", "tabhere.mp4")]
    [InlineData("what?*<>|\".mp4", "what______.mp4")]
    [InlineData("Ünïcødé 🎬 فيلم.mkv", "Ünïcødé 🎬 فيلم.mkv")]
    public void A_safe_segment_has_no_folders_control_characters_or_leading_dots(string given, string expected) =>
        Assert.Equal(expected, FileNames.SafeSegment(given));

    [Fact]
    public void A_long_name_is_cut_but_keeps_its_extension()
    {
        var safe = FileNames.SafeSegment(new string('a', 300) + ".mp4");
        Assert.Equal(200, safe.Length);
        Assert.EndsWith(".mp4", safe, StringComparison.Ordinal);
        Assert.Equal(FileNames.MaxLength, FileNames.Original(new string('b', 300)).Length);
    }

    [Fact]
    public void Cutting_never_splits_a_surrogate_pair()
    {
        var name = new string('a', FileNames.MaxLength - 1) + "🎬🎬";
        var original = FileNames.Original(name);
        Assert.False(char.IsHighSurrogate(original[^1]));
    }

    [Fact]
    public void The_original_name_is_kept_for_display_minus_control_characters()
    {
        Assert.Equal("../../x", FileNames.Original("../../x"));
        Assert.Equal("ab", FileNames.Original("a\u0000\u001b\u2028b"));
    }

    [Fact]
    public void An_output_name_takes_the_new_extension() =>
        Assert.Equal("holiday.mkv", FileNames.WithExtension("holiday.mp4", "mkv"));
}
