using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Shop.Pages;

// A view model that loads while the page renders: the analyzers see only the view's own code; the guard sees the query.
public sealed class LeakyModel(IDbContextFactory<ShopDb> db) : PageModel
{
    public void OnGet()
    {
    }

    public int ReviewCount()
    {
        using var context = db.CreateDbContext();
        return context.Reviews.Count();
    }
}
