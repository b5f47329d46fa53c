using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using WebApp.Data;
using WebApp.Loading;
using WebApp.Pages.Shared;

namespace WebApp.Pages;

public sealed record PostDetail(int Id, string Title, string Body, DateTime PublishedAt, int LikeCount)
{
    /// <summary>The body's paragraphs, split on blank lines; the view encodes each one.</summary>
    public IReadOnlyList<string> Paragraphs => Body.ReplaceLineEndings("\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

public sealed record PostView(PostDetail Post, UserCard Author, IReadOnlyList<ProfilePost> MoreFromAuthor);

public sealed class PostModel(LoadGroupFactory loads, IDbContextFactory<AppDbContext> db) : PageModel
{
    public const int MoreCount = 5;

    public PostView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string handle, int id, CancellationToken cancellationToken)
    {
        if (!Handles.IsValid(handle))
        {
            return NotFound();
        }

        using var group = loads.Create("post", cancellationToken);
        var post = group.Query(db, "post.post", Detail, handle, id);
        var author = group.Query(db, "post.author", ProfileModel.Card, handle);
        var more = group.Query(db, "post.more", More, handle, id);
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

    private static readonly CompiledQuery<Func<AppDbContext, string, int, IAsyncEnumerable<ProfilePost>>> More =
        new(() => EF.CompileAsyncQuery((AppDbContext db, string handle, int id) =>
            (from p in db.Posts
             join u in db.Users on p.UserId equals u.Id
             where u.Handle == handle && p.Id != id
             orderby p.PublishedAt descending, p.Id descending
             select new ProfilePost(p.Id, p.Title, p.Body.Substring(0, PostSummary.ExcerptSource), p.PublishedAt, p.LikeCount))
            .Take(MoreCount)));
}
