namespace MediaBroker.Shared.Items;

/// <summary>The three kinds of media MediaBroker converts, as named in configuration files and on the wire.</summary>
public static class MediaTypes
{
    public const string Audio = "audio";
    public const string Image = "image";
    public const string Video = "video";

    public static readonly IReadOnlyList<string> All = [Audio, Image, Video];

    public static bool IsKnown(string? name) => name is Audio or Image or Video;
}
