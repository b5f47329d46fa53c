using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace WebApp.Rendering;

public static class RenderingServiceCollectionExtensions
{
    /// <summary>The render-phase filter and the guards on every database context and HTTP client.</summary>
    public static IServiceCollection AddRendering(this IServiceCollection services)
    {
        services.AddSingleton<RenderMetrics>();
        services.AddSingleton<RenderGuard>();
        services.AddSingleton<RenderPhaseFilter>();
        services.AddSingleton<IInterceptor, RenderGuardInterceptor>();
        services.AddTransient<RenderGuardHandler>();
        services.ConfigureHttpClientDefaults(client => client.AddHttpMessageHandler<RenderGuardHandler>());
        services.Configure<MvcOptions>(options => options.Filters.AddService<RenderPhaseFilter>());
        return services;
    }
}
