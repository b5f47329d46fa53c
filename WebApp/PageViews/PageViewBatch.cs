using System.Threading.Channels;

namespace WebApp.PageViews;

/// <summary>One row of <c>user_daily_views</c> to add: a user's views on one day.</summary>
public readonly record struct PageViewRow(int UserId, DateOnly Day, long Views);

/// <summary>Views taken from the queue for one upsert, summed per user and day.</summary>
public sealed class PageViewBatch
{
    private readonly Dictionary<PageView, long> _rows = [];

    /// <summary>Views in the batch (not rows: one row sums a user's views of one day).</summary>
    public int Views { get; private set; }

    public IEnumerable<PageViewRow> Rows => _rows.Select(r => new PageViewRow(r.Key.UserId, r.Key.Day, r.Value));

    public void Add(PageView view)
    {
        _rows[view] = _rows.GetValueOrDefault(view) + 1;
        Views++;
    }

    public void Clear()
    {
        _rows.Clear();
        Views = 0;
    }

    /// <summary>
    /// Waits for a first view, then takes views until the batch holds <paramref name="size"/> or
    /// <paramref name="linger"/> has passed since the first one, whichever comes first. A completed queue
    /// ends the wait at once, so a drain never lingers. False when the queue is completed and empty.
    /// </summary>
    public async ValueTask<bool> FillAsync(ChannelReader<PageView> reader, int size, TimeSpan linger, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!await reader.WaitToReadAsync(cancellationToken))
        {
            return false;
        }

        TakeAvailable(reader, size);
        if (Views >= size || linger <= TimeSpan.Zero)
        {
            return true;
        }

        using var lingering = new CancellationTokenSource(linger, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lingering.Token);
        try
        {
            while (Views < size && await reader.WaitToReadAsync(either.Token))
            {
                TakeAvailable(reader, size);
            }
        }
        catch (OperationCanceledException) when (lingering.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Linger time is up: write what we have.
        }

        return true;
    }

    private void TakeAvailable(ChannelReader<PageView> reader, int size)
    {
        while (Views < size && reader.TryRead(out var view))
        {
            Add(view);
        }
    }
}
