using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using WebApp.Data;

namespace WebApp.Pages;

public sealed record HomeView(int UserCount, int PostCount, IReadOnlyList<HomeUser> NewestUsers);

public sealed record HomeUser(string Handle, string DisplayName);

public sealed class IndexModel(IDbContextFactory<AppDbContext> factory) : PageModel
{
    public HomeView Home { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        await using var db = factory.CreateDbContext();
        var users = await db.Users.TagWith("home.counts").CountAsync(cancellationToken);
        var posts = await db.Posts.TagWith("home.counts").CountAsync(cancellationToken);
        var newest = await db.Users.TagWith("home.newest")
            .OrderByDescending(u => u.JoinedAt).ThenBy(u => u.Id)
            .Take(8)
            .Select(u => new HomeUser(u.Handle, u.DisplayName))
            .ToListAsync(cancellationToken);
        Home = new HomeView(users, posts, newest);
    }
}
