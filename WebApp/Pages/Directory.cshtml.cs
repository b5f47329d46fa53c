using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Upfront.EntityFrameworkCore;
using Upfront.Loading;
using WebApp.Data;
using WebApp.Pages.Markup;
using WebApp.Pages.Shared;

namespace WebApp.Pages;

public enum DirectorySort
{
    Name,
    Joined,
    Posts,
}

public sealed record DirectoryEntry(string Handle, string DisplayName, string Location, DateTime JoinedAt, int Posts)
{
    public Avatar Avatar => Avatar.For(Handle, DisplayName);
}

public sealed record DirectoryView(string Query, DirectorySort Sort, Pager Pager, IReadOnlyList<DirectoryEntry> Users);

public sealed class DirectoryModel(LoadGroupFactory loads, IDbContextFactory<AppDbContext> db, IMemoryCache cache) : PageModel
{
    public const int PageSize = 20;

    public DirectoryView View { get; private set; } = null!;

    /// <summary>
    /// The count and the page's rows, side by side in one round trip; the unfiltered count is the site's cached one. A
    /// page past the end is a 404 once both are in: its rows query costs what the last page's does.
    /// </summary>
    public async Task<IActionResult> OnGetAsync(string? q, string? sort, [FromQuery(Name = "page")] string? pageNumber, CancellationToken cancellationToken)
    {
        if (!QueryText.TryNormalize(q, Limits.SearchMaxLength, out var query)
            || !TryParseSort(sort, out var order)
            || !PageNumber.TryParse(pageNumber, out var page))
        {
            return BadRequest();
        }

        using var group = loads.Create("directory", cancellationToken);
        var total = group.Query(db, "directory.count", (d, ct) => query.Length == 0 ? SiteQueries.UserCountAsync(d, cache, ct) : Matching(d, query).CountAsync(ct));
        var users = group.Query(db, "directory.page", (d, ct) => Page(d, query, order, page).ToListAsync(ct));
        await group.WaitAsync();

        var linkQuery = new List<KeyValuePair<string, string?>>();
        if (query.Length > 0)
        {
            linkQuery.Add(new("q", query));
        }

        if (order != DirectorySort.Name)
        {
            linkQuery.Add(new("sort", SortValue(order)));
        }

        var pager = new Pager(page, PageSize, total.Value, "/users", linkQuery);
        if (pager.IsPastEnd)
        {
            return NotFound();
        }

        View = new DirectoryView(query, order, pager, users.Value);
        return Page();
    }

    public static string SortValue(DirectorySort sort) => sort.ToString().ToLowerInvariant();

    private static bool TryParseSort(string? value, out DirectorySort sort)
    {
        DirectorySort? parsed = string.IsNullOrWhiteSpace(value) ? DirectorySort.Name : value.ToLowerInvariant() switch
        {
            "name" => DirectorySort.Name,
            "joined" => DirectorySort.Joined,
            "posts" => DirectorySort.Posts,
            _ => null,
        };
        sort = parsed ?? DirectorySort.Name;
        return parsed is not null;
    }

    /// <summary>
    /// Handle or display name containing the text, in any case and any script: the text is folded as the stored
    /// search key was (<see cref="SearchKey"/>), so both providers return the same rows; its LIKE wildcards are
    /// literal. PostgreSQL's planner keeps statistics and chooses between its pg_trgm index and a sort index. SQLite
    /// keeps none: a text of three characters or more is looked up in the FTS5 trigram table <c>users_search</c> and
    /// its matches sorted after (<c>id IN (…)</c>); a shorter one, which has no trigram, walks the sort index, which
    /// carries the key (see <see cref="AppDbContext"/>).
    /// </summary>
    private static IQueryable<User> Matching(AppDbContext db, string query)
    {
        IQueryable<User> users = db.Users;
        if (query.Length == 0)
        {
            return users;
        }

        if (db.Database.IsSqlite() && SearchKey.TrigramPhrase(query) is { } phrase)
        {
            var hits = db.Database.SqlQuery<int>($"SELECT rowid AS \"Value\" FROM users_search WHERE users_search MATCH {phrase}");
            return users.Where(u => hits.Contains(u.Id));
        }

        var pattern = SearchKey.ContainsPattern(query);
        return users.Where(u => EF.Functions.Like(u.SearchKey, pattern, SearchKey.LikeEscape));
    }

    /// <summary>
    /// Composed per request rather than compiled like the other pages' queries: its shape depends on the
    /// search text and the sort (EF Core still caches the translation of each shape). The page's ids come from
    /// the sort's index alone (the offset skipped there, in order); only those 20 rows are read from the table.
    /// </summary>
    private static IQueryable<DirectoryEntry> Page(AppDbContext db, string query, DirectorySort sort, int page)
    {
        var ids = Sorted(Matching(db, query), sort)
            .Skip((page - 1) * PageSize).Take(PageSize)
            .Select(u => u.Id);
        return Sorted(db.Users.Where(u => ids.Contains(u.Id)), sort)
            .Select(u => new DirectoryEntry(u.Handle, u.DisplayName, u.Location, u.JoinedAt, u.PostCount));
    }

    private static IOrderedQueryable<User> Sorted(IQueryable<User> users, DirectorySort sort) => sort switch
    {
        DirectorySort.Joined => users.OrderByDescending(u => u.JoinedAt).ThenBy(u => u.Id),
        DirectorySort.Posts => users.OrderByDescending(u => u.PostCount).ThenBy(u => u.Handle),
        _ => users.OrderBy(u => u.DisplayName).ThenBy(u => u.Handle),
    };
}
