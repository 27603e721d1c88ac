namespace MediaBroker.Broker.Fetching;

/// <summary>
/// Brings an item's input from a link onto the broker's disk: a direct media link over HTTP(S), or a page link
/// through yt-dlp. Every address it connects to, and every redirect, has passed the broker's URL safety rules.
/// </summary>
public interface IInputFetcher
{
    /// <summary>
    /// Fetches <paramref name="url"/> into the file at <paramref name="path"/>. Bytes already in that file from an
    /// earlier, cut attempt are kept and the fetch resumes after them where the server allows (HTTP Range).
    /// </summary>
    /// <exception cref="FetchFailed">The link was refused or could not be fetched; its message says why, in one line.</exception>
    /// <exception cref="OperationCanceledException">Stopped; the partial file stays for the next attempt.</exception>
    Task<FetchedInput> FetchAsync(Uri url, string path, IProgress<FetchProgress> progress, CancellationToken cancellationToken);
}

/// <summary>How far a fetch has come. <see cref="TotalBytes"/> is null while the size is not known.</summary>
public sealed record FetchProgress(long Bytes, long? TotalBytes, double BytesPerSecond);

/// <summary>What a finished fetch learned about its input: a file name for display, and the page's details when it had any.</summary>
public sealed record FetchedInput(string FileName, string? Title, string? Uploader, int? Year);

/// <summary>A link that was refused or could not be fetched. The message is for the user, one line.</summary>
public sealed class FetchFailed(string message, Exception? inner = null) : Exception(message, inner);
