using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;

namespace WebApp.Data;

public static class DatabaseMigrations
{
    /// <summary>
    /// Creates the database and the migrations history table when they do not exist, then applies the
    /// provider's migrations, then fills the search keys of rows that predate them. Doing the first two here keeps a fresh PostgreSQL database from logging two
    /// errors that are not failures while MigrateAsync probes it ("An error occurred using the connection",
    /// a known quirk: npgsql/efcore.pg#3402; and a failed SELECT from the missing history table).
    /// </summary>
    public static async Task MigrateAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        var creator = db.GetService<IRelationalDatabaseCreator>();
        if (!await creator.ExistsAsync(cancellationToken))
        {
            await creator.CreateAsync(cancellationToken);
        }

        await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);

        // A migration that rewrites every row (a recount of 100,000 users) outlasts any query timeout; the
        // caller's token still stops it.
        var timeout = db.Database.GetCommandTimeout();
        db.Database.SetCommandTimeout(0);
        await db.Database.MigrateAsync(cancellationToken);
        db.Database.SetCommandTimeout(timeout);

        // Derived columns a migration cannot compute in SQL (the app's own case folding).
        await SearchKey.BackfillAsync(db, cancellationToken);
    }
}
