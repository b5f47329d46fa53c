namespace WebApp.Data;

/// <summary>How long to wait before trying the database again.</summary>
public static class Backoff
{
    /// <summary><paramref name="first"/> after the first failure, doubling after each one, at most <paramref name="max"/>.</summary>
    public static TimeSpan Delay(int failedAttempts, TimeSpan first, TimeSpan max) =>
        TimeSpan.FromTicks(Math.Min(max.Ticks, first.Ticks << Math.Clamp(failedAttempts - 1, 0, 30)));
}
