using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using WebApp.PageViews;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.PageViews;

/// <summary>
/// A test-only EF Core interceptor for the page-view upsert (found by its SQL tag): holds it until
/// released (honouring its token), or fails it like a database that is down. Other commands pass.
/// </summary>
public sealed class FlushInterceptor : DbCommandInterceptor
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _release;
    private volatile bool _down;
    private int _attempts;
    private int _failures;

    /// <summary>Completes when an upsert first reaches the interceptor.</summary>
    public Task Entered => _entered.Task;

    public int Attempts => Volatile.Read(ref _attempts);

    public int Failures => Volatile.Read(ref _failures);

    /// <summary>Every upsert waits until <see cref="Release"/>.</summary>
    public FlushInterceptor Hold()
    {
        _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return this;
    }

    public void Release() => _release?.TrySetResult();

    /// <summary>While down, every upsert fails with a <see cref="DbException"/>.</summary>
    public bool Down
    {
        get => _down;
        set => _down = value;
    }

    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (!command.CommandText.StartsWith("-- " + PageViewWriter.Tag + "\n", StringComparison.Ordinal))
        {
            return result;
        }

        Interlocked.Increment(ref _attempts);
        _entered.TrySetResult();
        if (_release is { } release)
        {
            await release.Task.WaitAsync(cancellationToken);
        }

        if (_down)
        {
            Interlocked.Increment(ref _failures);
            throw new OutageException();
        }

        return result;
    }

    private sealed class OutageException() : DbException("injected: the database is down");
}
