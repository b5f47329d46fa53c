using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Upfront.EntityFrameworkCore;
using Upfront.Loading;

namespace Shop.Pages;

public sealed record ProductView(Product Product, IReadOnlyList<Review> Reviews);

public sealed class ProductModel(LoadGroupFactory loads, IDbContextFactory<ShopDb> db) : PageModel
{
    public ProductView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(int id, CancellationToken cancellationToken)
    {
        using var group = loads.Create("product", cancellationToken);
        var product = group.Query(db, "product.row", (d, ct) => d.Products.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct));
        var reviews = group.Query(db, "product.reviews", (d, ct) => d.Reviews.AsNoTracking().Where(r => r.ProductId == id).OrderBy(r => r.Id).ToListAsync(ct));
        await group.WaitAsync();
        if (product.Value is null)
        {
            return NotFound();
        }

        View = new ProductView(product.Value, reviews.Value);
        return Page();
    }
}
