using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Upfront.EntityFrameworkCore.Sqlite;

/// <summary>Registers the SQLite deadline gate.</summary>
public static class SqliteDeadlineExtensions
{
    /// <summary>
    /// Every SQLite connection of <typeparamref name="TContext"/> goes through the process's one
    /// <see cref="SqliteStatementGate"/>, and an interrupted statement counts as cancelled
    /// (<see cref="SqliteCancellationDetector"/>). Applied by EF Core's <c>ConfigureDbContext</c>, however the context is
    /// registered.
    /// </summary>
    public static IServiceCollection AddSqliteDeadlines<TContext>(this IServiceCollection services)
        where TContext : DbContext
    {
        services.TryAddSingleton(_ => new SqliteStatementGate());
        services.ConfigureDbContext<TContext>((sp, options) => options
            .AddInterceptors(sp.GetRequiredService<SqliteStatementGate>())
            .ReplaceService<IExceptionDetector, SqliteCancellationDetector>());
        return services;
    }
}
