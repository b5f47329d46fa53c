using Microsoft.EntityFrameworkCore;

namespace Upfront.EntityFrameworkCore.Npgsql;

/// <summary>The PostgreSQL part of a context's options.</summary>
public static class NpgsqlLoaderOptionsExtensions
{
    /// <summary>Sends loader statements with positional parameters (<see cref="PositionalParameters"/>).</summary>
    public static DbContextOptionsBuilder UsePositionalParameters(this DbContextOptionsBuilder options) =>
        options.AddInterceptors(PositionalParameters.Instance);
}
