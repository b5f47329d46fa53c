namespace WebApp.PageViews;

/// <summary>The <c>PageViews</c> section: the queue between requests and the writer, and how the writer batches.</summary>
public sealed class PageViewOptions
{
    public const string Section = "PageViews";

    /// <summary>Both providers take a batch of this many rows in one statement (3 parameters a row).</summary>
    public const int MaxBatchSize = 10_000;

    /// <summary>Off: profiles record nothing (a read-only site, such as the tests' shared ones).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Views waiting for the writer; when full, a new view is dropped and counted, never waited for.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>The most views the writer takes into one upsert.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>How long the writer waits for a batch to fill once it holds a view.</summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait between two attempts at a batch the database refused.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>At most one warning about dropped views per this interval.</summary>
    public TimeSpan DropWarningInterval { get; set; } = TimeSpan.FromSeconds(10);
}
