using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Upfront.EntityFrameworkCore;
using Upfront.Loading;

namespace Shop.Pages;

public sealed class DroppedModel(LoadGroupFactory loads, IDbContextFactory<ShopDb> db) : PageModel
{
    public int Count { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        using var group = loads.Create("dropped", cancellationToken);
        var count = group.Query(db, "dropped.count", (d, ct) => d.Reviews.CountAsync());
        await group.WaitAsync();
        Count = count.Value;
    }
}
