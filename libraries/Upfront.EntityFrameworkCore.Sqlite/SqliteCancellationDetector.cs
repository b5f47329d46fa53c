using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage;
using SQLitePCL;

namespace Upfront.EntityFrameworkCore.Sqlite;

/// <summary>
/// Tells EF Core that a statement interrupted because its token fired was cancelled, not failed: it is logged as a
/// cancellation (as Npgsql's cancellations are), not as an error.
/// </summary>
public sealed class SqliteCancellationDetector : IExceptionDetector
{
    /// <inheritdoc/>
    public bool IsCancellation(Exception exception, CancellationToken cancellationToken = default) =>
        exception is OperationCanceledException || IsInterrupt(exception, cancellationToken);

    // SQLite stopping a statement because the token fired.
    private static bool IsInterrupt(Exception exception, CancellationToken cancellationToken) =>
        exception is SqliteException { SqliteErrorCode: raw.SQLITE_INTERRUPT } && cancellationToken.IsCancellationRequested;
}
