namespace WebApp.ActivityService;

public static class ActivityServiceCollectionExtensions
{
    /// <summary>The activity service's options (checked at start) and its typed client.</summary>
    public static IServiceCollection AddActivity(this IServiceCollection services)
    {
        services.AddOptions<ActivityOptions>()
            .BindConfiguration(ActivityOptions.Section)
            .Validate(o => o.BaseUrl.Length == 0 || Uri.TryCreate(o.BaseUrl, UriKind.Absolute, out _), "Activity:BaseUrl must be an absolute URL or empty.")
            .Validate(o => o.Budget > TimeSpan.Zero, "Activity:Budget must be positive.")
            .ValidateOnStart();
        services.AddHttpClient<ActivityClient>((sp, http) =>
        {
            var options = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ActivityOptions>>().Value;
            if (options.Enabled)
            {
                http.BaseAddress = new Uri(options.BaseUrl.TrimEnd('/') + "/");
            }

            http.Timeout = Timeout.InfiniteTimeSpan;
        });
        return services;
    }
}
