using Microsoft.EntityFrameworkCore;

namespace WebApp.Data;

/// <summary>
/// The one model of the site. Each provider has a subclass only so that its migrations live in
/// their own folder; the model itself is defined once, here.
/// </summary>
public abstract class AppDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();
    public DbSet<Post> Posts => Set<Post>();
    public DbSet<Follow> Follows => Set<Follow>();
    public DbSet<UserDailyView> UserDailyViews => Set<UserDailyView>();
    public DbSet<SiteSetting> SiteSettings => Set<SiteSetting>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        if (Database.IsNpgsql())
        {
            // Trigram indexes for the search (a trusted extension: the database owner may create it).
            modelBuilder.HasPostgresExtension("pg_trgm");
        }

        modelBuilder.Entity<User>(user =>
        {
            user.ToTable("users");
            // Ids come from the deterministic seed, so both providers hold the same rows.
            user.Property(u => u.Id).ValueGeneratedNever();
            user.Property(u => u.Handle).HasMaxLength(Limits.HandleMaxLength);
            user.Property(u => u.DisplayName).HasMaxLength(100);
            user.Property(u => u.Bio).HasMaxLength(500);
            user.Property(u => u.Location).HasMaxLength(100);
            user.Property(u => u.Website).HasMaxLength(200);
            if (Database.IsNpgsql())
            {
                // Byte-order collation: the same order as SQLite's BINARY, so both providers sort alike.
                user.Property(u => u.Handle).UseCollation("C");
                user.Property(u => u.DisplayName).UseCollation("C");
            }

            user.HasIndex(u => u.Handle).IsUnique();

            // One index per directory sort, tie-break included, so a page reads an index in order and stops. The
            // id rides along (SQLite's rowid is in every index; PostgreSQL's B-trees INCLUDE it), so the offset
            // is skipped in the index alone and only the page's 20 rows are read from the table.
            if (Database.IsNpgsql())
            {
                user.HasIndex(u => new { u.DisplayName, u.Handle }).IncludeProperties(u => u.Id);
                user.HasIndex(u => new { u.JoinedAt, u.Id }).IsDescending(true, false);
                user.HasIndex(u => new { u.PostCount, u.Handle }).IsDescending(true, false).IncludeProperties(u => u.Id);
                // The search's trigrams; the planner (it keeps statistics) chooses this or a sort index.
                user.HasIndex(u => u.SearchKey).HasMethod("gin").HasOperators("gin_trgm_ops");
            }
            else
            {
                // SQLite keeps no statistics, so a search sorted by name walks the name index testing each key: the
                // key rides along too, so that walk never reads the table (scripts/worst-case.sh).
                // Texts of three characters or more are answered by the FTS5 trigram table users_search
                // (migration UserSearchIndexes), which is not part of this model.
                user.HasIndex(u => new { u.DisplayName, u.Handle, u.SearchKey });
                user.HasIndex(u => new { u.JoinedAt, u.Id, u.SearchKey }).IsDescending(true, false, false);
                user.HasIndex(u => new { u.PostCount, u.Handle, u.SearchKey }).IsDescending(true, false, false);
            }

            // The home page's most-followed members.
            user.HasIndex(u => new { u.FollowerCount, u.Id }).IsDescending(true, false);
        });

        modelBuilder.Entity<Post>(post =>
        {
            post.ToTable("posts");
            post.Property(p => p.Id).ValueGeneratedNever();
            post.Property(p => p.Title).HasMaxLength(200);
            post.HasOne<User>().WithMany().HasForeignKey(p => p.UserId).OnDelete(DeleteBehavior.Cascade);
            // A user's posts, newest first with the tie-break, read in index order: a page stops after its rows.
            post.HasIndex(p => new { p.UserId, p.PublishedAt, p.Id }).IsDescending(false, true, true);
            // The latest posts, tie-break included, read in index order.
            post.HasIndex(p => new { p.PublishedAt, p.Id }).IsDescending(true, true);
        });

        modelBuilder.Entity<Follow>(follow =>
        {
            follow.ToTable("follows");
            follow.HasKey(f => new { f.FollowerId, f.FolloweeId });
            follow.HasOne<User>().WithMany().HasForeignKey(f => f.FollowerId).OnDelete(DeleteBehavior.Cascade);
            follow.HasOne<User>().WithMany().HasForeignKey(f => f.FolloweeId).OnDelete(DeleteBehavior.Cascade);
            follow.HasIndex(f => f.FolloweeId);
            // Whom a user follows, most recent first (the profile's sample): read in index order, no sort.
            follow.HasIndex(f => new { f.FollowerId, f.CreatedAt, f.FolloweeId }).IsDescending(false, true, false);
        });

        modelBuilder.Entity<UserDailyView>(view =>
        {
            view.ToTable("user_daily_views");
            view.HasKey(v => new { v.UserId, v.Day });
            view.HasOne<User>().WithMany().HasForeignKey(v => v.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<SiteSetting>(setting =>
        {
            setting.ToTable("site_settings");
            setting.HasKey(s => s.Key);
            setting.Property(s => s.Key).HasMaxLength(100);
        });
    }
}

public sealed class SqliteAppDbContext(DbContextOptions<SqliteAppDbContext> options) : AppDbContext(options);

public sealed class PostgresAppDbContext(DbContextOptions<PostgresAppDbContext> options) : AppDbContext(options);
