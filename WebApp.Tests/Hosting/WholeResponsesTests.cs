using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Hosting;

/// <summary>
/// A response leaves Kestrel in one flush of its connection: status, headers, page and the end of the response
/// together. A proxy in front then has all of an answer or none of it when an instance dies, and retries the ones it
/// has none of (the fleet's kill-instance drill). Kestrel flushing twice (the page, then the end of the chunked
/// response) left a window in which an instance killed under load cut a visitor's page short.
/// </summary>
public sealed class WholeResponsesTests
{
    public static TheoryData<string, HttpStatusCode> Pages() => new()
    {
        { $"/u/{SeedFacts.Prolific.Handle}", HttpStatusCode.OK },
        { "/users", HttpStatusCode.OK },
        // Re-executed by the status-code pages: the error page goes out the same way.
        { "/u/nobody-here", HttpStatusCode.NotFound },
    };

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_LeavesTheServerInOneFlush(string path, HttpStatusCode status)
    {
        var output = new FlushCounter();
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).WithoutPageViews()
            .OnKestrel(listen => listen.Use(output.Watch)).StartAsync();
        var client = factory.CreateClient();
        using (var first = await client.GetAsync(path, TestContext.Current.CancellationToken))
        {
            Assert.Equal(status, first.StatusCode);
        }

        // The same kept-alive connection, after the first request's compile and caches.
        output.Reset();
        using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(status, response.StatusCode);
        Assert.EndsWith("</html>", html.TrimEnd(), StringComparison.Ordinal);
        Assert.Equal(1, output.Flushes);
    }

    /// <summary>Counts the flushes of every connection's output, as Kestrel makes them.</summary>
    private sealed class FlushCounter
    {
        private int _flushes;

        public int Flushes => Volatile.Read(ref _flushes);

        public void Reset() => Volatile.Write(ref _flushes, 0);

        public ConnectionDelegate Watch(ConnectionDelegate next) => connection =>
        {
            var transport = connection.Transport;
            connection.Transport = new Pipe(transport.Input, new CountingWriter(transport.Output, this));
            return next(connection);
        };

        private sealed class Pipe(PipeReader input, PipeWriter output) : IDuplexPipe
        {
            public PipeReader Input => input;

            public PipeWriter Output => output;
        }

        private sealed class CountingWriter(PipeWriter inner, FlushCounter counter) : PipeWriter
        {
            public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

            public override long UnflushedBytes => inner.UnflushedBytes;

            public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
            {
                Interlocked.Increment(ref counter._flushes);
                return inner.FlushAsync(cancellationToken);
            }

            public override void Advance(int bytes) => inner.Advance(bytes);

            public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

            public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

            public override void CancelPendingFlush() => inner.CancelPendingFlush();

            public override void Complete(Exception? exception = null) => inner.Complete(exception);

            public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
        }
    }
}
