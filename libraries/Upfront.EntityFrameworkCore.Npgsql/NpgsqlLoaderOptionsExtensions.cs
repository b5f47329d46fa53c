using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Upfront.EntityFrameworkCore.Npgsql;

/// <summary>The PostgreSQL part of a context's options.</summary>
public static class NpgsqlLoaderOptionsExtensions
{
    // One instance: the batching keeps no per-context state, and a context's loaders find it in its options. No error
    // barriers (a Sync after each statement): Npgsql then cancels only the statement running when the deadline fires,
    // and the next one runs on, past the deadline (BatchStrategyTests). In one implicit transaction a cancelled or
    // failing statement ends the batch at once; the loaders after it run alone or are cancelled with their group.
    private static readonly BatchedLoaders Batches = new(batch => ((NpgsqlBatch)batch).EnableErrorBarriers = false);

    /// <summary>Sends loader statements with positional parameters (<see cref="PositionalParameters"/>).</summary>
    public static DbContextOptionsBuilder UsePositionalParameters(this DbContextOptionsBuilder options) =>
        options.AddInterceptors(PositionalParameters.Instance);

    /// <summary>
    /// Sends a page's database loaders in one round trip (<see cref="BatchedLoaders"/>): one <c>NpgsqlBatch</c> on one
    /// connection, its statements in one implicit transaction. Add it last, after the interceptors that change statements.
    /// </summary>
    public static DbContextOptionsBuilder UseBatchedLoaders(this DbContextOptionsBuilder options) =>
        options.AddInterceptors(Batches);
}
