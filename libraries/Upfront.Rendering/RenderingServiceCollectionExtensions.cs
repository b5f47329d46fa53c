using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Upfront.Rendering;

/// <summary>Registers the render guard.</summary>
public static class RenderingServiceCollectionExtensions
{
    /// <summary>
    /// The render-phase filter on every MVC and Razor Pages result, and the guard on every <c>HttpClient</c> made by
    /// <c>IHttpClientFactory</c>. Database contexts are guarded one type at a time, explicitly: <c>.ForDbContext&lt;T&gt;()</c>
    /// (Upfront.EntityFrameworkCore).
    /// </summary>
    public static RenderGuardBuilder AddRenderGuard(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(RenderPhaseFilter)))
        {
            return new RenderGuardBuilder(services); // once: a second filter and handler would check every call twice
        }

        services.AddOptions<RenderGuardOptions>()
            .Validate(o => !string.IsNullOrWhiteSpace(o.MeterName) && o.PageName is not null, "RenderGuardOptions.MeterName and PageName must be set.")
            .ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton<RenderMetrics>();
        services.TryAddSingleton<RenderGuard>();
        services.AddSingleton<RenderPhaseFilter>();
        services.TryAddTransient<RenderGuardHandler>();
        services.ConfigureHttpClientDefaults(client => client.AddHttpMessageHandler<RenderGuardHandler>());
        services.Configure<MvcOptions>(options => options.Filters.AddService<RenderPhaseFilter>());
        return new RenderGuardBuilder(services);
    }
}
