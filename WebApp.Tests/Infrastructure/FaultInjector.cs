using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// A test-only EF Core interceptor, registered in the test host's services: finds a query by the tag
/// its loader gave it, and delays it (honouring the query's token) or fails it. The app has no hook for it.
/// </summary>
public sealed class FaultInjector : DbCommandInterceptor
{
    private readonly ConcurrentDictionary<string, Func<CancellationToken, Task>> _faults = new(StringComparer.Ordinal);

    /// <summary>Tags whose query was cancelled while the injector held it.</summary>
    public ConcurrentBag<string> Cancelled { get; } = [];

    /// <summary>Tags whose query reached the database (or the injector).</summary>
    public ConcurrentBag<string> Executed { get; } = [];

    public FaultInjector Delay(string tag, TimeSpan delay)
    {
        _faults[tag] = ct => Task.Delay(delay, ct);
        return this;
    }

    /// <summary>Fails the tagged query, once the queries tagged <paramref name="after"/> have reached the database.</summary>
    public FaultInjector Throw(string tag, Exception exception, params string[] after)
    {
        _faults[tag] = async ct =>
        {
            while (!after.All(Executed.Contains))
            {
                await Task.Delay(5, ct);
            }

            throw exception;
        };
        return this;
    }

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await ApplyAsync(command, cancellationToken);
        return result;
    }

    public override async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        await ApplyAsync(command, cancellationToken);
        return result;
    }

    private async Task ApplyAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var tag = TagOf(command.CommandText);
        if (tag is null)
        {
            return;
        }

        Executed.Add(tag);
        if (!_faults.TryGetValue(tag, out var fault))
        {
            return;
        }

        try
        {
            await fault(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Cancelled.Add(tag);
            throw;
        }
    }

    /// <summary>EF Core writes TagWith text as a leading "-- tag" comment line.</summary>
    public static string? TagOf(string sql) =>
        sql.StartsWith("-- ", StringComparison.Ordinal) ? sql[3..sql.IndexOf('\n', StringComparison.Ordinal)].Trim() : null;
}
