using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.EntityFrameworkCore;
using Shop;
using Upfront.EntityFrameworkCore;
using Upfront.Loading;
using Upfront.Rendering;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddRazorPages();
builder.Services.AddPooledDbContextFactory<ShopDb>(o => o.UseNpgsql(builder.Configuration.GetConnectionString("Shop")).UseLoaderSqlTags());
builder.Services.AddLoadGroups().AddServerTiming();
builder.Services.AddRenderGuard().ForDbContext<ShopDb>();
builder.Services.AddRequestTimeouts(o => o.DefaultPolicy = new RequestTimeoutPolicy
{
    Timeout = TimeSpan.FromSeconds(2),
    TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
});

var app = builder.Build();
await using (var db = await app.Services.GetRequiredService<IDbContextFactory<ShopDb>>().CreateDbContextAsync())
{
    await ShopDb.SeedAsync(db);
}

app.UseRouting();
app.UseRequestTimeouts();
app.MapStaticAssets();
app.MapRazorPages().WithStaticAssets();
app.Run();
