using System.Net.Http.Json;

namespace WebApp.Presence;

public sealed class ActivityOptions
{
    public const string Section = "Activity";

    /// <summary>The activity service's base address; empty turns the feature off.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>How long the profile waits for activity before rendering without it.</summary>
    public TimeSpan Budget { get; set; } = TimeSpan.FromMilliseconds(300);

    public bool Enabled => BaseUrl.Length > 0;
}

/// <summary>Presence from the activity service, as the profile shows it.</summary>
public sealed record UserActivity(bool OnlineNow, DateTime? LastActiveAt, int StreakDays);

/// <summary>
/// Typed client for the optional "activity" downstream (GET {BaseUrl}/users/{handle}/activity).
/// It has no retries and no timeout of its own: the loader's token (its budget inside the request
/// deadline) is the only clock, so no attempt can outlive the page that asked for it.
/// </summary>
public sealed class ActivityClient(HttpClient http)
{
    public async Task<UserActivity> GetAsync(string handle, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri($"users/{Uri.EscapeDataString(handle)}/activity", UriKind.Relative), cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<UserActivity>(cancellationToken)
            ?? throw new InvalidDataException("The activity service answered with an empty body.");
    }
}

public static class ActivityServiceCollectionExtensions
{
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
