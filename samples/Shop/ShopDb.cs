using Microsoft.EntityFrameworkCore;

namespace Shop;

public sealed class Product
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public decimal Price { get; set; }
}

public sealed class Review
{
    public int Id { get; set; }
    public int ProductId { get; set; }
    public int Stars { get; set; }
    public string Text { get; set; } = "";
}

public sealed class ShopDb(DbContextOptions<ShopDb> options) : DbContext(options)
{
    public DbSet<Product> Products => Set<Product>();
    public DbSet<Review> Reviews => Set<Review>();

    public static async Task SeedAsync(ShopDb db)
    {
        await db.Database.EnsureCreatedAsync();
        if (!await db.Products.AnyAsync())
        {
            db.Products.Add(new Product { Id = 1, Name = "Teapot", Price = 24.50m });
            db.Reviews.AddRange(new Review { ProductId = 1, Stars = 5, Text = "Pours well." }, new Review { ProductId = 1, Stars = 4, Text = "Short & stout." });
            await db.SaveChangesAsync();
        }
    }
}
