using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.Options;
using Upfront.Loading;

namespace WebApp.Loading;

/// <summary>How a page's database loaders reach the database (<c>Loading:Strategy</c>).</summary>
public enum LoadingStrategy
{
    /// <summary>Side by side, each on a pooled connection of its own.</summary>
    Concurrent,

    /// <summary>One after another (<see cref="LoadingOptions.MaxConcurrency"/> 1): the baseline the others are measured against.</summary>
    Sequential,

    /// <summary>PostgreSQL only: every database loader's statement in one batch, one round trip, one connection.</summary>
    Batch,
}

/// <summary>The <c>Loading</c> section: the page deadline, and how a page's loaders run.</summary>
public sealed class PageLoadingOptions
{
    public const string Section = "Loading";

    /// <summary>The page deadline (ASP.NET Core's request timeouts); a page not loaded by then is a 504.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most loaders of one page running at once; 0 means unlimited (<see cref="LoadingOptions.MaxConcurrency"/>).</summary>
    public int MaxConcurrency { get; set; }

    /// <summary>
    /// How the database loaders travel; see <see cref="LoadingStrategy"/>. Unset: <see cref="LoadingStrategy.Batch"/> on
    /// PostgreSQL with one host (one round trip; benchmarks/results/loading-strategies.json), <see cref="LoadingStrategy.Concurrent"/>
    /// on SQLite, which has no round trip to save, with a standby among the hosts, and wherever
    /// <see cref="MaxConcurrency"/> bounds the loaders.
    /// </summary>
    public LoadingStrategy? Strategy { get; set; }

    /// <summary>Whether the database loaders go as one batch, given the provider.</summary>
    public static bool Batches(LoadingStrategy? strategy, int maxConcurrency, bool postgres) =>
        strategy == LoadingStrategy.Batch || (strategy is null && postgres && maxConcurrency == 0);
}

public static class LoadingServiceCollectionExtensions
{
    /// <summary>The request-timeout policy every page runs under: <c>Loading:RequestTimeout</c>, answered with 504.</summary>
    public const string PagePolicy = "page";

    /// <summary>The meter of the loading metrics and the source of the loader spans.</summary>
    public const string TelemetryName = "WebApp.Loading";

    /// <summary>The page deadline (ASP.NET Core's request timeouts) and the load groups that honour it.</summary>
    public static IServiceCollection AddLoading(this IServiceCollection services)
    {
        services.AddOptions<PageLoadingOptions>()
            .BindConfiguration(PageLoadingOptions.Section)
            .Validate(o => o.RequestTimeout > TimeSpan.Zero, "Loading:RequestTimeout must be positive.")
            .Validate(o => o.MaxConcurrency >= 0, "Loading:MaxConcurrency must be 0 (unlimited) or more.")
            .Validate(o => o.Strategy != LoadingStrategy.Batch || o.MaxConcurrency == 0,
                "Loading:Strategy=Batch sends every database loader at once: Loading:MaxConcurrency must be 0.")
            .ValidateOnStart();
        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<PageLoadingOptions>>((timeouts, loading) =>
            timeouts.AddPolicy(PagePolicy, new RequestTimeoutPolicy
            {
                Timeout = loading.Value.RequestTimeout,
                TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
            }));
        services.AddLoadGroups()
            .AddServerTiming()
            .Options.Configure<IOptions<PageLoadingOptions>>((options, page) =>
            {
                options.MaxConcurrency = page.Value.Strategy == LoadingStrategy.Sequential ? 1 : page.Value.MaxConcurrency;
                options.MeterName = TelemetryName;
                options.ActivitySourceName = TelemetryName;
            });
        return services;
    }
}
