namespace WebApp.WarmUp;

/// <summary>The <c>WarmUp</c> section: how many requests each page route gets before the instance reports ready.</summary>
public sealed class WarmUpOptions
{
    public const string Section = "WarmUp";

    /// <summary>Requests to each page route; 0 turns the warm-up off (the instance is ready as soon as its database is).</summary>
    public int Requests { get; set; } = 200;

    /// <summary>Requests in flight at once.</summary>
    public int Concurrency { get; set; } = 16;

    /// <summary>
    /// After those requests, the warm-up goes on a second at a time until the JIT compiles fewer methods than this in a
    /// second of it: tiered compilation recompiles the hot methods in the background, optimized, only once they have
    /// been called often enough, which on 2 cores takes about half a minute of traffic. 0: stop after the requests.
    /// </summary>
    public int SettledBelow { get; set; } = 50;

    /// <summary>The longest the warm-up may hold readiness back; past it the instance reports ready anyway.</summary>
    public TimeSpan MaxTime { get; set; } = TimeSpan.FromSeconds(60);
}
