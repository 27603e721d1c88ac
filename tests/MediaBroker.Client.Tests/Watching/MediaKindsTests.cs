using MediaBroker.Client.Watching;
using MediaBroker.Shared.Items;

namespace MediaBroker.Client.Tests.Watching;

public sealed class MediaKindsTests
{
    [Theory]
    [InlineData("IMG_0001.HEIC", MediaTypes.Image)]
    [InlineData("photo.heif", MediaTypes.Image)]
    [InlineData("photo.avif", MediaTypes.Image)]
    [InlineData("scan.TIFF", MediaTypes.Image)]
    [InlineData("clip.MOV", MediaTypes.Video)]
    [InlineData("song.flac", MediaTypes.Audio)]
    public void A_phone_or_camera_file_is_picked_up_as_what_its_name_suggests(string name, string expected) =>
        Assert.Equal(expected, MediaKinds.Of(name));

    [Theory]
    [InlineData("converted.webp")]
    [InlineData("converted.opus")]
    [InlineData("notes.txt")]
    public void Outputs_and_other_files_are_left_alone(string name) => Assert.Null(MediaKinds.Of(name));
}
