using System.IO.Abstractions;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Transfers;

namespace MediaBroker.Client.Transfers;

/// <summary>What arrived does not hash to what the broker recorded: the partial file is dropped and fetched anew.</summary>
public sealed class OutputCorruptException(string message) : Exception(message);

/// <summary>
/// Fetches an item's output into a partial file, resuming it with Range and If-Range after a broken link, and accepts
/// it only when its sha512 equals the broker's record. The caller moves the verified file into place.
/// </summary>
public sealed class OutputDownloader(HttpClient http, IFileSystem files, TimeSpan stallTimeout, TimeProvider time)
{
    /// <returns>The verified partial file's path.</returns>
    public async Task<string> DownloadAsync(Item item, string partialPath, Action<long>? onProgress, CancellationToken cancellationToken)
    {
        var output = item.Output ?? throw new InvalidOperationException($"item {item.ItemId} has no output");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        var have = await HashExistingAsync(partialPath, output.FileSize, hash, cancellationToken);
        onProgress?.Invoke(have);

        if (have < output.FileSize)
        {
            using var response = await RequestAsync(item, have, cancellationToken);
            if (response.StatusCode != HttpStatusCode.PartialContent && have > 0)
            {
                // The broker sent the whole file (the output changed, or it ignored the range): start again.
                have = 0;
                hash.GetHashAndReset();
            }
            await using var file = files.FileStream.New(partialPath, have > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 0,
                FileOptions.Asynchronous);
            await using var body = new IdleTimeoutStream(await response.Content.ReadAsStreamAsync(cancellationToken), stallTimeout, time);
            var start = have;
            try
            {
                await HashingCopy.CopyAsync(body, file, hash, output.FileSize - start, total => onProgress?.Invoke(start + total), cancellationToken);
            }
            finally
            {
                file.Flush(flushToDisk: true);
            }
        }

        var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (files.FileInfo.New(partialPath).Length != output.FileSize || actual != output.Sha512Checksum)
        {
            files.File.Delete(partialPath);
            throw new OutputCorruptException($"the output of item {item.ItemId} does not match its sha512; it is fetched again");
        }
        return partialPath;
    }

    /// <summary>The answer's headers come within the stall timeout, or the connection is taken as dropped.</summary>
    private async Task<HttpResponseMessage> RequestAsync(Item item, long from, CancellationToken cancellationToken)
    {
        using var headers = new CancellationTokenSource(stallTimeout, time);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, headers.Token);
        try
        {
            return await SendAsync(item, from, limit.Token);
        }
        catch (OperationCanceledException) when (headers.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new BrokerUnavailableException(http.BaseAddress!, $"the broker sent no answer within {stallTimeout.TotalSeconds:0} seconds");
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Item item, long from, CancellationToken cancellationToken) =>
        await new BrokerApiClient(http).SendRawAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"api/items/{item.ItemId:D}/output");
            if (from > 0)
            {
                request.Headers.Range = new RangeHeaderValue(from, null);
                // Only the rest of the same output: a different one comes whole.
                request.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue($"\"{item.Output!.Sha512Checksum}\""));
            }
            return request;
        }, HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    /// <summary>Hashes what a previous attempt already fetched, so the whole file is verified in the end.</summary>
    private async Task<long> HashExistingAsync(string partialPath, long expectedSize, IncrementalHash hash, CancellationToken cancellationToken)
    {
        if (!files.File.Exists(partialPath)) return 0;
        if (files.FileInfo.New(partialPath).Length > expectedSize)
        {
            files.File.Delete(partialPath);
            return 0;
        }
        return await Sha512Hex.AppendFileAsync(files, partialPath, hash, cancellationToken);
    }
}
