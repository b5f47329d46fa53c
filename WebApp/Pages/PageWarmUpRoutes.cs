using Microsoft.EntityFrameworkCore;
using WebApp.Data;
using WebApp.WarmUp;

namespace WebApp.Pages;

/// <summary>What the warm-up requests: every page route, with a user and a post that exist; the directory and a search whatever the data.</summary>
public sealed class PageWarmUpRoutes(IDbContextFactory<AppDbContext> contexts) : IWarmUpRoutes
{
    public async Task<IReadOnlyList<string>> RoutesAsync(CancellationToken cancellationToken)
    {
        await using var db = contexts.CreateDbContext();
        var post = await db.Posts.OrderBy(p => p.Id)
            .Join(db.Users, p => p.UserId, u => u.Id, (p, u) => new { p.Id, u.Handle })
            .FirstOrDefaultAsync(cancellationToken);
        List<string> routes = ["/", "/users", "/users?q=an&sort=posts&page=2"];
        if (post is not null)
        {
            routes.Add($"/u/{Uri.EscapeDataString(post.Handle)}");
            routes.Add($"/u/{Uri.EscapeDataString(post.Handle)}/posts/{post.Id}");
        }

        return routes;
    }
}
