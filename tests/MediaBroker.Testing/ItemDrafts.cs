using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;

namespace MediaBroker.Testing;

/// <summary>Items as an upload would make them after its checks, for tests about storage itself.</summary>
public static class ItemDrafts
{
    public static Item Draft(byte[] content, string fileName = "clip.mp4", string conversionType = "mkv_x265", string clientId = "local") =>
        ItemDraft.New(clientId, conversionType, fileName) with
        {
            Sha512Checksum = Sha512Hex.Of(content),
            FileSize = content.Length,
            Media = new MediaInfo { Type = MediaTypes.Video, Container = "matroska,webm", DurationSeconds = 2, Width = 320, Height = 240 },
        };
}
