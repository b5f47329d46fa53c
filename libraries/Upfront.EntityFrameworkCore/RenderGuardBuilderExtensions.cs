using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Upfront.Rendering;

namespace Upfront.EntityFrameworkCore;

/// <summary>The render guard on EF Core contexts.</summary>
public static class RenderGuardBuilderExtensions
{
    /// <summary>
    /// Guards every command and connection open of <typeparamref name="TContext"/> however it is registered
    /// (<c>AddDbContext</c>, <c>AddDbContextPool</c>, <c>AddPooledDbContextFactory</c>): EF Core's
    /// <c>ConfigureDbContext</c> adds the interceptor to the context's options. Call once per context type.
    /// </summary>
    public static RenderGuardBuilder ForDbContext<TContext>(this RenderGuardBuilder builder)
        where TContext : DbContext
    {
        builder.Services.TryAddSingleton<RenderGuardInterceptor>();
        builder.Services.ConfigureDbContext<TContext>((sp, options) => options.AddInterceptors(sp.GetRequiredService<RenderGuardInterceptor>()));
        return builder;
    }
}
