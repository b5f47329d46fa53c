using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace WebApp.Hosting;

/// <summary>
/// Each response leaves the instance in one piece, when the request ends: what the app writes to the response stream
/// goes into the server's output unflushed, and the server sends it, with the end of the response, in one flush.
/// <para>
/// Why: a proxy can retry a GET that an instance died with (kill -9, out of memory) only while no byte of its answer
/// has reached the proxy; once the proxy has begun to pass the answer on, it can only cut it short. Razor's view
/// writer flushes the page as it finishes, and Kestrel writes the end of a chunked response after that; under load
/// the socket sends the page before the end is written, and an instance killed between the two left nginx with a
/// page it could neither finish nor retry (the kill-instance drill saw it once in 23,495 requests).
/// </para>
/// <para>
/// Holding the bytes costs nothing here: a page is rendered whole into the view's buffer before its first byte is
/// written, and its pages are tens of kilobytes. Not for streaming responses (there are none): a flush is a no-op.
/// Writes through <see cref="HttpResponse.BodyWriter"/> and files (static assets) go to the server as before.
/// </para>
/// </summary>
public static class WholeResponses
{
    /// <summary>First in the pipeline, so that every response stream (error pages too) is the held one.</summary>
    public static IApplicationBuilder UseWholeResponses(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var server = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
            context.Features.Set<IHttpResponseBodyFeature>(new HeldBody(server));
            return next(context);
        });

    private sealed class HeldBody(IHttpResponseBodyFeature server) : Stream, IHttpResponseBodyFeature
    {
        private bool _started;

        public Stream Stream => this;

        public PipeWriter Writer => server.Writer;

        public void DisableBuffering() => server.DisableBuffering();

        public Task StartAsync(CancellationToken cancellationToken = default) => server.StartAsync(cancellationToken);

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
            server.SendFileAsync(path, offset, count, cancellationToken);

        public Task CompleteAsync() => server.CompleteAsync();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_started)
            {
                server.Writer.Write(buffer.Span);
                return ValueTask.CompletedTask;
            }

            return StartThenWriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        // A copy into the server's output, which does not block: a synchronous write is as safe as an asynchronous one.
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer) => server.Writer.Write(buffer);

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private async ValueTask StartThenWriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
        {
            // Headers are written into the output with the status and the OnStarting callbacks' changes; unflushed.
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            _started = true;
            server.Writer.Write(buffer.Span);
        }
    }
}
