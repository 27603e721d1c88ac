using MediaBroker.Broker.Configuration;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Fetching;

/// <summary>
/// A web site on 127.0.0.1 for fetch tests, in a temp folder of its own: a real clip (clip.mp4), a page that shows it
/// in a &lt;video&gt; (page.html), and the path a fetched input goes to.
/// </summary>
public sealed class MediaSite : IAsyncDisposable
{
    /// <summary>Settings that let links reach the site's address, and no other internal one.</summary>
    public static readonly BrokerSettings LoopbackAllowed = new() { UrlAllowList = ["127.0.0.1"] };

    private readonly TempFolder _folder;

    private MediaSite(TempFolder folder, LinkServer server, byte[] clip) => (_folder, Server, Clip) = (folder, server, clip);

    public LinkServer Server { get; }
    public byte[] Clip { get; }
    public string Target => _folder.Combine("input");

    public string SiteFolder => _folder.Combine("site");

    public string File(string name) => _folder.Combine("site", name);

    public static async Task<MediaSite> StartAsync(string label, double seconds = 2)
    {
        var folder = new TempFolder(label);
        Directory.CreateDirectory(folder.Combine("site"));
        var clip = await System.IO.File.ReadAllBytesAsync(await TestMedia.VideoAsync(folder.Combine("site", "clip.mp4"), seconds, extension: "mp4"));
        await System.IO.File.WriteAllTextAsync(folder.Combine("site", "page.html"),
            "<!DOCTYPE html><html><head><title>A test clip</title></head><body><video src=\"clip.mp4\"></video></body></html>");
        return new MediaSite(folder, await LinkServer.StartAsync(folder.Combine("site")), clip);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _folder.Dispose();
    }
}
