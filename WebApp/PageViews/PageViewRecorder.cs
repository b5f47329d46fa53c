using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace WebApp.PageViews;

/// <summary>One view of a user's profile, on the UTC day it was recorded.</summary>
public readonly record struct PageView(int UserId, DateOnly Day);

/// <summary>
/// The request side of page-view counting: a non-blocking write into a bounded queue that
/// <see cref="PageViewWriter"/> owns and drains. When the queue is full (or the writer has stopped) the
/// view is dropped and counted; a request never waits for the queue or the database.
/// </summary>
public sealed partial class PageViewRecorder
{
    private const long NeverWarned = long.MinValue;

    private readonly Channel<PageView> _queue;
    private readonly TimeProvider _time;
    private readonly PageViewMetrics _metrics;
    private readonly ILogger<PageViewRecorder> _logger;
    private readonly bool _enabled;
    private readonly int _capacity;
    private readonly TimeSpan _warningInterval;
    private long _recorded;
    private long _dropped;
    private long _droppedSinceWarning;
    private long _lastWarning = NeverWarned;
    private volatile bool _completed;

    public PageViewRecorder(IOptions<PageViewOptions> options, TimeProvider time, PageViewMetrics metrics, ILogger<PageViewRecorder> logger)
    {
        var settings = options.Value;
        _queue = Channel.CreateBounded<PageView>(new BoundedChannelOptions(settings.QueueCapacity)
        {
            // With TryWrite, Wait mode means "a full queue says no": the request neither waits nor loses a view silently.
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
            // A request's thread must never go on to run the writer's loop.
            AllowSynchronousContinuations = false,
        });
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _enabled = settings.Enabled;
        _capacity = settings.QueueCapacity;
        _warningInterval = settings.DropWarningInterval;
        metrics.ObserveQueueDepth(() => _queue.Reader.Count);
    }

    /// <summary>Views accepted into the queue since start.</summary>
    public long Recorded => Interlocked.Read(ref _recorded);

    /// <summary>Views refused since start: the queue was full, or the writer had stopped.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues a view of <paramref name="userId"/>'s profile, today (UTC); false when it was dropped or recording is off.</summary>
    public bool Record(int userId)
    {
        if (!_enabled)
        {
            return false;
        }

        var view = new PageView(userId, DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime));
        if (_queue.Writer.TryWrite(view))
        {
            Interlocked.Increment(ref _recorded);
            _metrics.Recorded();
            return true;
        }

        Interlocked.Increment(ref _dropped);
        Interlocked.Increment(ref _droppedSinceWarning);
        _metrics.Dropped(_completed ? "stopped" : "full");
        WarnAboutDrops();
        return false;
    }

    /// <summary>The writer's end of the queue.</summary>
    internal ChannelReader<PageView> Reader => _queue.Reader;

    /// <summary>Accepts no more views; the writer drains what is queued and ends.</summary>
    internal void Complete()
    {
        _completed = true;
        _queue.Writer.TryComplete();
    }

    // A full queue under load would otherwise log once per request: one line per interval, with the count.
    private void WarnAboutDrops()
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastWarning);
        if (last != NeverWarned && _time.GetElapsedTime(last, now) < _warningInterval)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _lastWarning, now, last) != last)
        {
            return; // another request won the race and warns for this interval
        }

        LogDropped(Interlocked.Exchange(ref _droppedSinceWarning, 0), _capacity, _completed);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped {Dropped} page views since the last warning: the queue of {Capacity} is full (stopped: {Stopped})")]
    private partial void LogDropped(long dropped, int capacity, bool stopped);
}
