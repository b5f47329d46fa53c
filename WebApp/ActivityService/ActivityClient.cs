using System.Net.Http.Json;

namespace WebApp.ActivityService;

/// <summary>A user's activity from the activity service, as the profile shows it.</summary>
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
