using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.Options;

namespace WebApp.Loading;

public static class LoadingServiceCollectionExtensions
{
    /// <summary>The request-timeout policy every page runs under: <c>Loading:RequestTimeout</c>, answered with 504.</summary>
    public const string PagePolicy = "page";

    /// <summary>The page deadline (ASP.NET Core's request timeouts) and the load groups that honour it.</summary>
    public static IServiceCollection AddLoading(this IServiceCollection services)
    {
        services.AddOptions<LoadingOptions>()
            .BindConfiguration(LoadingOptions.Section)
            .Validate(o => o.RequestTimeout > TimeSpan.Zero, "Loading:RequestTimeout must be positive.")
            .Validate(o => o.MaxConcurrency >= 0, "Loading:MaxConcurrency must be 0 (unlimited) or more.")
            .ValidateOnStart();
        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<LoadingOptions>>((timeouts, loading) =>
            timeouts.AddPolicy(PagePolicy, new RequestTimeoutPolicy
            {
                Timeout = loading.Value.RequestTimeout,
                TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
            }));
        services.AddHttpContextAccessor();
        services.AddSingleton<LoadGroupFactory>();
        services.AddSingleton<ILoadGroupObserver, LoadingMetrics>();
        services.AddSingleton<ILoadGroupObserver, RequestLoadTimings>();
        services.AddSingleton<InFlightRegistry>();
        services.AddSingleton<ILoadGroupObserver>(sp => sp.GetRequiredService<InFlightRegistry>());
        return services;
    }
}
