using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using WebApp.Data;
using WebApp.Loading;
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

public sealed class UsersModel(LoadGroupFactory loads, IDbContextFactory<AppDbContext> db) : PageModel
{
    public const int PageSize = 20;

    public DirectoryView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string? q, string? sort, [FromQuery(Name = "page")] string? pageText, CancellationToken cancellationToken)
    {
        if (!QueryText.TryNormalize(q, Limits.SearchMaxLength, out var query) || !TryParseSort(sort, out var order) || !PageNumber.TryParse(pageText, out var pageNumber))
        {
            return BadRequest();
        }

        using var group = loads.Create("directory", cancellationToken);
        var total = group.Query(db, "directory.count", (d, ct) => Matching(d, "directory.count", query).CountAsync(ct));
        var users = group.QueryList(db, "directory.page", d => Page(d, query, order, pageNumber));
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

        var pager = new Pager(pageNumber, PageSize, total.Value, "/users", linkQuery);
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
        DirectorySort? parsed = value?.ToLowerInvariant() switch
        {
            null or "" or "name" => DirectorySort.Name,
            "joined" => DirectorySort.Joined,
            "posts" => DirectorySort.Posts,
            _ => null,
        };
        sort = parsed ?? DirectorySort.Name;
        return parsed is not null;
    }

    /// <summary>
    /// Handle or display name containing the text. Lower-casing is ASCII-only on both providers
    /// (SQLite's lower(), PostgreSQL's under the C collation), so both return the same rows.
    /// </summary>
    private static IQueryable<User> Matching(AppDbContext db, string tag, string query)
    {
        var users = db.Users.TagWith(tag);
        if (query.Length == 0)
        {
            return users;
        }

        var lowered = query.ToLowerInvariant();
        return users.Where(u => u.Handle.Contains(lowered) || u.DisplayName.ToLower().Contains(lowered));
    }

    /// <summary>
    /// Composed per request rather than compiled like the other pages' queries: its shape depends on the
    /// search text and the sort (EF Core still caches the translation of each shape).
    /// </summary>
    private static IAsyncEnumerable<DirectoryEntry> Page(AppDbContext db, string query, DirectorySort sort, int page)
    {
        var rows = Matching(db, "directory.page", query)
            .Select(u => new { User = u, Posts = db.Posts.Count(p => p.UserId == u.Id) });
        rows = sort switch
        {
            DirectorySort.Joined => rows.OrderByDescending(x => x.User.JoinedAt).ThenBy(x => x.User.Id),
            DirectorySort.Posts => rows.OrderByDescending(x => x.Posts).ThenBy(x => x.User.Handle),
            _ => rows.OrderBy(x => x.User.DisplayName).ThenBy(x => x.User.Handle),
        };
        return rows
            .Skip((page - 1) * PageSize).Take(PageSize)
            .Select(x => new DirectoryEntry(x.User.Handle, x.User.DisplayName, x.User.Location, x.User.JoinedAt, x.Posts))
            .AsAsyncEnumerable();
    }
}
