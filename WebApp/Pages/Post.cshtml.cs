using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Upfront.EntityFrameworkCore;
using Upfront.Loading;
using WebApp.Data;
using WebApp.Pages.Shared;

namespace WebApp.Pages;

public sealed record PostDetail(int Id, string Title, string Body, DateTime PublishedAt, int LikeCount)
{
    /// <summary>The body's paragraphs, split on blank lines; the view encodes each one.</summary>
    public IReadOnlyList<string> Paragraphs => Body.ReplaceLineEndings("\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

public sealed record PostView(PostDetail Post, UserCard Author, IReadOnlyList<PostItem> MoreFromAuthor);

public sealed class PostModel(LoadGroupFactory loads, IDbContextFactory<AppDbContext> db) : PageModel
{
    public const int MoreCount = 5;

    public PostView View { get; private set; } = null!;

    /// <summary>The handle's shape was checked by the route constraint (<see cref="HandleRouteConstraint"/>), the id's by <c>int:min(1)</c>.</summary>
    public async Task<IActionResult> OnGetAsync(string handle, int id, CancellationToken cancellationToken)
    {
        using var group = loads.Create("post", cancellationToken);
        var post = group.Query(db, "post.post", (d, ct) => Detail.For(d)(d, handle, id, ct));
        var author = group.Query(db, "post.author", (d, ct) => UserCard.LoadAsync(d, handle, ct));
        var more = group.Query(db, "post.more", (d, ct) => More.For(d)(d, handle, id).ToListAsync(ct));
        await group.WaitAsync();

        if (post.Value is null || author.Value is null)
        {
            return NotFound();
        }

        View = new PostView(post.Value, author.Value, more.Value);
        return Page();
    }

    private static readonly CompiledQuery<Func<AppDbContext, string, int, CancellationToken, Task<PostDetail?>>> Detail =
        new(() => EF.CompileAsyncQuery((AppDbContext db, string handle, int id, CancellationToken ct) =>
            (from p in db.Posts
             join u in db.Users on p.UserId equals u.Id
             where p.Id == id && u.Handle == handle
             select new PostDetail(p.Id, p.Title, p.Body, p.PublishedAt, p.LikeCount))
            .FirstOrDefault()));

    private static readonly CompiledQuery<Func<AppDbContext, string, int, IAsyncEnumerable<PostItem>>> More =
        new(() => EF.CompileAsyncQuery((AppDbContext db, string handle, int id) =>
            // The author's id from a subquery, as the profile's posts do: read in index order, no sort.
            (from p in db.Posts
             where p.UserId == db.Users.Where(u => u.Handle == handle).Select(u => u.Id).FirstOrDefault() && p.Id != id
             orderby p.PublishedAt descending, p.Id descending
             select new PostItem(p.Id, p.Title, p.Body.Substring(0, PostSummary.ExcerptSource), p.PublishedAt, p.LikeCount))
            .Take(MoreCount)));
}
