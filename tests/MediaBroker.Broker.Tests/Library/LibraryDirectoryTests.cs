using MediaBroker.Broker.Ingest;
using MediaBroker.Broker.Library;

namespace MediaBroker.Broker.Tests.Library;

/// <summary>The directory an upload names: a folder inside the library that every file system can hold, or a clear 400.</summary>
public sealed class LibraryDirectoryTests
{
    [Theory]
    [InlineData("Movies/Holiday", "Movies/Holiday")]
    [InlineData("Movies\\Holiday", "Movies/Holiday")]
    [InlineData("Séries/Été 2025", "Séries/Été 2025")]
    [InlineData("映画/家族", "映画/家族")]
    [InlineData("Films/.hidden-not", "Films/.hidden-not")]
    public void A_relative_folder_is_kept_with_slashes(string directory, string expected) =>
        Assert.Equal(expected, LibraryDirectory.Normalize(directory));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void No_directory_is_null(string? directory) => Assert.Null(LibraryDirectory.Normalize(directory));

    [Theory]
    [InlineData("../x", "inside the library")]
    [InlineData("a/../../b", "inside the library")]
    [InlineData("a/./b", "inside the library")]
    [InlineData("..", "inside the library")]
    [InlineData("/etc", "absolute")]
    [InlineData("\\\\server\\share", "absolute")]
    [InlineData("C:\\Windows", "absolute")]
    [InlineData("C:", "absolute")]
    [InlineData("a//b", "empty folder name")]
    [InlineData("Movies/", "empty folder name")]
    [InlineData("Mo\nvies", "control characters")]
    [InlineData("Mo\0vies", "control characters")]
    [InlineData("Movies/CON", "device name")]
    [InlineData("nul.txt", "device name")]
    [InlineData("Movies/Holiday.", "end with a dot")]
    [InlineData("Movies/Holiday ", "end with a dot or a space")]
    [InlineData(" Movies", "begin with a space")]
    [InlineData("Movies/What?", "cannot hold")]
    [InlineData("a<b", "cannot hold")]
    [InlineData("a|b", "cannot hold")]
    [InlineData("a\"b", "cannot hold")]
    [InlineData("a*b", "cannot hold")]
    public void A_folder_that_leaves_the_library_or_that_a_file_system_refuses_is_refused(string directory, string reason)
    {
        var refusal = Assert.Throws<Rejection>(() => LibraryDirectory.Normalize(directory));
        Assert.Equal(RejectionKind.Invalid, refusal.Kind);
        Assert.Contains(reason, refusal.Message);
        Assert.StartsWith("directory '", refusal.Message);
        Assert.DoesNotContain('\n', refusal.Message);
    }

    [Fact]
    public void Overlong_names_and_paths_are_refused()
    {
        Assert.Contains("255 bytes", Assert.Throws<Rejection>(() => LibraryDirectory.Normalize(new string('é', 128))).Message);
        Assert.Contains("1024", Assert.Throws<Rejection>(() => LibraryDirectory.Normalize(string.Join('/', Enumerable.Repeat(new string('a', 200), 6)))).Message);
        Assert.Contains("16 folders", Assert.Throws<Rejection>(() => LibraryDirectory.Normalize(string.Join('/', Enumerable.Repeat("a", 17)))).Message);
    }
}
