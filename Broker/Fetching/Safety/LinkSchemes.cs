namespace MediaBroker.Broker.Fetching.Safety;

/// <summary>Only http and https links are fetched: file, ftp, data, gopher and the rest reach what a link must not.</summary>
public static class LinkSchemes
{
    public static bool IsFetchable(Uri url) =>
        url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps) && url.Host.Length > 0;

    /// <summary>
    /// The one-line reason a link is not fetched ("redirected to file:///etc/passwd: only http and https links are
    /// fetched"), or null when it is fine.
    /// </summary>
    public static string? Refusal(Uri url, string lead = "") =>
        IsFetchable(url) ? null : $"{lead}{Shown(url)}: only http and https links are fetched";

    /// <summary>A link as it may appear in a one-line message: escaped, without user:password, at most 200 characters.</summary>
    public static string Shown(Uri url)
    {
        var text = !url.IsAbsoluteUri ? new string(url.OriginalString.Where(c => !char.IsControl(c)).ToArray())
            : url.UserInfo.Length > 0 ? url.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.UserInfo, UriFormat.UriEscaped)
            : url.AbsoluteUri;
        return text.Length <= 200 ? text : text[..200] + "...";
    }
}
