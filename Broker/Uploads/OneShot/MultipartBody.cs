using MediaBroker.Broker.Ingest;
using Microsoft.AspNetCore.WebUtilities;

namespace MediaBroker.Broker.Uploads.OneShot;

/// <summary>
/// The parts of a multipart/form-data body, read within bounds set here. What the parser says about the body's shape
/// (it ends before its closing boundary, a part has too many or too long header lines, a header line is not one) is the
/// client's doing: a 400 that says so. A failure of the connection under the body (a client gone, an upload stalled)
/// stays what it is and keeps its own answer; and a failing disk never passes through here, since only reads do.
/// </summary>
public sealed class MultipartBody
{
    /// <summary>Header lines one part may have; a form part needs two (Content-Disposition, Content-Type).</summary>
    public const int MaxPartHeaders = 16;
    /// <summary>Bytes of all the header lines of one part together.</summary>
    public const int MaxPartHeaderBytes = 16 * 1024;
    // The parser's own words can quote the body (an invalid header line): enough of them to recognise it.
    private const int MaxQuotedChars = 200;

    private readonly MultipartReader _reader;
    private readonly string _boundary;
    private Exception? _connectionFailure;

    public MultipartBody(Stream body, string boundary)
    {
        _boundary = boundary;
        _reader = new MultipartReader(boundary, new GuardedStream(body, ConnectionFailed))
        {
            HeadersCountLimit = MaxPartHeaders,
            HeadersLengthLimit = MaxPartHeaderBytes,
        };
    }

    /// <summary>The next part, or null after the closing boundary.</summary>
    /// <exception cref="Rejection">The body is malformed.</exception>
    public async Task<MultipartSection?> NextPartAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _reader.ReadNextSectionAsync(cancellationToken);
        }
        catch (Exception error) when (IsMalformed(error))
        {
            throw Malformed(error);
        }
    }

    /// <summary>A part's content, whose reads throw a <see cref="Rejection"/> when the body turns out malformed on the way.</summary>
    public Stream ContentOf(MultipartSection part) => new GuardedStream(part.Body, error => IsMalformed(error) ? Malformed(error) : null);

    private Exception? ConnectionFailed(Exception error)
    {
        _connectionFailure = error;
        return null;
    }

    // The parser throws InvalidDataException for a part it cannot read and a bare IOException when the bytes run out
    // before the closing boundary; whatever the connection threw, it only passes on.
    private bool IsMalformed(Exception error) =>
        error is InvalidDataException or IOException && !ReferenceEquals(error, _connectionFailure);

    private Rejection Malformed(Exception error) => Rejection.Invalid(error is InvalidDataException
        ? $"the multipart body is malformed: {Quoted(error.Message.TrimEnd('.'))}; a part may have at most {MaxPartHeaders} header lines "
            + $"of the form 'Name: value', {MaxPartHeaderBytes} bytes in all"
        : $"the multipart body is malformed: it ends before its closing boundary '--{_boundary}--'");

    private static string Quoted(string message) => message.Length <= MaxQuotedChars ? message : message[..MaxQuotedChars] + "...";

    /// <summary>Reads through, handing what a read throws to <paramref name="onError"/>, which may give something to throw instead.</summary>
    private sealed class GuardedStream(Stream inner, Func<Exception, Exception?> onError) : Stream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (Exception error) when (onError(error) is { } replacement)
            {
                throw replacement;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                return inner.Read(buffer, offset, count);
            }
            catch (Exception error) when (onError(error) is { } replacement)
            {
                throw replacement;
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
