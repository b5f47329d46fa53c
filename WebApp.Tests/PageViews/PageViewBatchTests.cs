using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using WebApp.PageViews;

namespace WebApp.Tests.PageViews;

/// <summary>How the writer takes views from the queue: by size, by linger time on a fake clock, and at completion.</summary>
public sealed class PageViewBatchTests
{
    private static readonly DateOnly Day = new(2026, 1, 1);
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task Fill_ViewsOfOneUserAndDay_SummedIntoOneRow()
    {
        var queue = Queue(new(1, Day), new(1, Day), new(2, Day), new(1, Day.AddDays(1)), new(1, Day));
        var batch = new PageViewBatch();

        Assert.True(await batch.FillAsync(queue, 5, Linger, new FakeTimeProvider(), TestContext.Current.CancellationToken));

        Assert.Equal(5, batch.Views);
        Assert.Equal(
            [new PageViewRow(1, Day, 3), new PageViewRow(1, Day.AddDays(1), 1), new PageViewRow(2, Day, 1)],
            batch.Rows.OrderBy(r => r.UserId).ThenBy(r => r.Day));
    }

    [Fact]
    public async Task Fill_MoreQueuedThanBatchSize_TakesOneBatchWithoutLingering()
    {
        var queue = Queue(new(1, Day), new(2, Day), new(3, Day));
        var batch = new PageViewBatch();

        // The clock never moves: a fill that waited for the linger time would never complete.
        var fill = batch.FillAsync(queue, 2, Linger, new FakeTimeProvider(), TestContext.Current.CancellationToken);

        Assert.True(fill.IsCompleted);
        Assert.True(await fill);
        Assert.Equal(2, batch.Views);
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public async Task Fill_FewerThanBatchSize_TakesLaterViewsUntilTheLingerTimePasses()
    {
        var channel = Channel.CreateUnbounded<PageView>();
        channel.Writer.TryWrite(new(1, Day));
        var clock = new FakeTimeProvider();
        var batch = new PageViewBatch();

        var fill = batch.FillAsync(channel.Reader, 10, Linger, clock, TestContext.Current.CancellationToken).AsTask();
        channel.Writer.TryWrite(new(2, Day));
        clock.Advance(Linger - TimeSpan.FromMilliseconds(1));
        Assert.False(fill.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(await fill.WaitAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, batch.Views);
    }

    [Fact]
    public async Task Fill_CompletedQueue_TakesTheRestAtOnceThenReportsTheEnd()
    {
        var channel = Channel.CreateUnbounded<PageView>();
        channel.Writer.TryWrite(new(1, Day));
        channel.Writer.TryWrite(new(2, Day));
        channel.Writer.Complete();
        var batch = new PageViewBatch();
        var clock = new FakeTimeProvider();

        var first = batch.FillAsync(channel.Reader, 10, Linger, clock, TestContext.Current.CancellationToken);
        Assert.True(first.IsCompleted);
        Assert.True(await first);
        Assert.Equal(2, batch.Views);

        batch.Clear();
        Assert.False(await batch.FillAsync(channel.Reader, 10, Linger, clock, TestContext.Current.CancellationToken));
        Assert.Equal(0, batch.Views);
    }

    private static ChannelReader<PageView> Queue(params PageView[] views)
    {
        var channel = Channel.CreateUnbounded<PageView>();
        foreach (var view in views)
        {
            channel.Writer.TryWrite(view);
        }

        return channel.Reader;
    }
}
