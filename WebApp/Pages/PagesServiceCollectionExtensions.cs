using WebApp.Pages.Shared;

namespace WebApp.Pages;

public static class PagesServiceCollectionExtensions
{
    /// <summary>The Razor Pages, their route constraint and the options of the pages that have some.</summary>
    public static IServiceCollection AddPages(this IServiceCollection services)
    {
        services.AddRazorPages();
        services.Configure<RouteOptions>(routes => routes.SetParameterPolicy<HandleRouteConstraint>(Handles.ConstraintName));
        services.AddOptions<BenchmarksOptions>().BindConfiguration(BenchmarksOptions.Section);
        return services;
    }
}
