namespace WebApp.PageViews;

public static class PageViewsServiceCollectionExtensions
{
    /// <summary>Page-view counting: the recorder profiles call, the queue, and the hosted writer that drains it.</summary>
    public static IServiceCollection AddPageViews(this IServiceCollection services)
    {
        services.AddOptions<PageViewOptions>()
            .BindConfiguration(PageViewOptions.Section)
            .Validate(o => o.QueueCapacity > 0, "PageViews:QueueCapacity must be 1 or more.")
            .Validate(o => o.BatchSize is > 0 and <= PageViewOptions.MaxBatchSize, $"PageViews:BatchSize must be from 1 to {PageViewOptions.MaxBatchSize}.")
            .Validate(o => o.Linger >= TimeSpan.Zero, "PageViews:Linger must be 0 or more.")
            .Validate(o => o.MaxRetryDelay > TimeSpan.Zero, "PageViews:MaxRetryDelay must be positive.")
            .Validate(o => o.DropWarningInterval > TimeSpan.Zero, "PageViews:DropWarningInterval must be positive.")
            .ValidateOnStart();
        services.AddSingleton<PageViewMetrics>();
        services.AddSingleton<PageViewRecorder>();
        // Registered after the database initializer, and the web server is added last by the host: on stop,
        // the server drains its requests first, then the writer drains the views they recorded.
        services.AddHostedService<PageViewWriter>();
        return services;
    }
}
