using Microsoft.AspNetCore.Mvc.RazorPages;
using Upfront.Rendering;
using WebApp.Pages.Shared;
using WebApp.WarmUp;

namespace WebApp.Pages;

public static class PagesServiceCollectionExtensions
{
    /// <summary>The meter of the render metrics (render duration, I/O attempted while rendering).</summary>
    public const string RenderMeterName = "WebApp.Rendering";

    /// <summary>The Razor Pages, their route constraint, the options of the pages that have some, and the routes the warm-up requests.</summary>
    public static IServiceCollection AddPages(this IServiceCollection services)
    {
        services.AddRazorPages();
        services.Configure<RouteOptions>(routes => routes.SetParameterPolicy<HandleRouteConstraint>(Handles.ConstraintName));
        services.AddOptions<BenchmarksOptions>().BindConfiguration(BenchmarksOptions.Section);
        // The render guard names a page as its load group does (home, profile, debug.loaders).
        services.AddRenderGuard().Options.Configure(o =>
        {
            o.MeterName = RenderMeterName;
            o.PageName = action => PageName(action is PageActionDescriptor page ? page.ViewEnginePath : action.DisplayName);
        });
        services.AddSingleton<IWarmUpRoutes, PageWarmUpRoutes>();
        return services;
    }

    /// <summary>
    /// A page's name in metrics and logs: <c>/Index</c> is <c>home</c>, any other page its path in lower case
    /// (<c>/Profile</c> is <c>profile</c>, <c>/Debug/Loaders</c> is <c>debug.loaders</c>).
    /// </summary>
    public static string PageName(string? path) => path switch
    {
        null or "" => "unknown",
        "/Index" => "home",
        _ => path.TrimStart('/').Replace('/', '.').ToLowerInvariant(),
    };
}
