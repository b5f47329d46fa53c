using System.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Serilog.Core;
using Serilog.Events;
using WebApp.Data;

namespace WebApp.Hosting;

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

/// <summary>The JIT's count of compiled methods, which the warm-up watches; a seam for its tests.</summary>
public class JitCounter
{
    public virtual long CompiledMethods() => System.Runtime.JitInfo.GetCompiledMethodCount();
}

/// <summary>
/// Before <c>/readyz</c> turns green, the instance requests each page route from its own server over loopback
/// (the home page, the directory, a search, a profile and a post, taken from the database), so that the first visitors
/// a load balancer sends do not pay for the JIT, Razor's first renders and the pool's first connections. It is also
/// the readiness entry that says so. Profiles it requests are not counted as views (<see cref="IsWarmUp"/>).
/// Off with <c>WarmUp:Requests=0</c>, and skipped where the server has no address (the tests' in-memory server).
/// </summary>
public sealed partial class WarmUp(
    IServer server,
    IHostApplicationLifetime lifetime,
    DatabaseState database,
    IDbContextFactory<AppDbContext> contexts,
    IOptions<WarmUpOptions> options,
    JitCounter jit,
    ILogger<WarmUp> logger) : BackgroundService, IHealthCheck
{
    public const string Name = "warm-up";
    private const string Header = "X-WebApp-Warm-Up";

    // Known only to this process: a visitor cannot make its own requests uncounted.
    private readonly string _secret = Guid.NewGuid().ToString("N");
    // Off is done from the start: since .NET 10 a BackgroundService's ExecuteAsync runs on the thread pool after the host
    // has started, so a flag set only there would keep an instance without a warm-up unready for a moment.
    private volatile bool _done = options.Value.Requests == 0;

    /// <summary>True for the instance's own warm-up requests.</summary>
    public bool IsWarmUp(HttpRequest request) => request.Headers[Header] == _secret;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_done ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Warming up: each page route is requested before the instance takes traffic."));

    protected override async Task ExecuteAsync(CancellationToken serviceStopping)
    {
        var settings = options.Value;
        // The warm-up ends when the instance begins to stop, not when this service is told to: the host stops its web
        // server before its other services, and a warm-up still running then would find its requests refused.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(serviceStopping, lifetime.ApplicationStopping);
        var stoppingToken = stopping.Token;
        try
        {
            if (settings.Requests > 0)
            {
                await StartedAsync(stoppingToken);
                if (Address() is { } address)
                {
                    await RunAsync(address, settings, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        finally
        {
            _done = true;
        }
    }

    private async Task RunAsync(Uri address, WarmUpOptions settings, CancellationToken stoppingToken)
    {
        // The database must be migrated and seeded first: until then every page answers 503.
        while (!database.Initialized)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), stoppingToken);
        }

        var clock = Stopwatch.StartNew();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        limit.CancelAfter(settings.MaxTime);
        var routes = await RoutesAsync(limit.Token);
        using var http = new HttpClient { BaseAddress = address };
        http.DefaultRequestHeaders.Add(Header, _secret);
        var failed = 0;
        var sent = 0;
        async Task RequestAsync(string route)
        {
            using var response = await http.GetAsync(route, HttpCompletionOption.ResponseContentRead, limit.Token);
            Interlocked.Increment(ref sent);
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref failed);
            }
        }

        // Concurrency workers, each requesting the routes next() hands it until it hands none.
        Task WorkersAsync(Func<string?> next) => Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(async _ =>
        {
            while (next() is { } route)
            {
                await RequestAsync(route);
            }
        }));

        try
        {
            // Every route in each round, so that all of them are warm even if the time runs out.
            var queue = Enumerable.Range(0, settings.Requests).SelectMany(_ => routes).ToList();
            var next = -1;
            await WorkersAsync(() => Interlocked.Increment(ref next) is var i && i < queue.Count ? queue[i] : null);

            for (var settled = settings.SettledBelow == 0; !settled;)
            {
                var before = jit.CompiledMethods();
                var second = Stopwatch.StartNew();
                await WorkersAsync(() => second.Elapsed < TimeSpan.FromSeconds(1) ? queue[(Interlocked.Increment(ref next) & int.MaxValue) % queue.Count] : null);
                var compiled = jit.CompiledMethods() - before;
                settled = compiled < settings.SettledBelow;
                if (settled)
                {
                    LogJitSettled(compiled, settings.SettledBelow);
                }
            }

            LogWarmedUp(sent, routes.Count, clock.ElapsedMilliseconds, failed);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            LogOutOfTime(sent, settings.MaxTime.TotalSeconds, failed);
        }
        catch (HttpRequestException ex)
        {
            LogFailed(ex, sent);
        }
    }

    /// <summary>The page routes, with a user and a post that exist; the directory and search whatever the data.</summary>
    private async Task<IReadOnlyList<string>> RoutesAsync(CancellationToken cancellationToken)
    {
        await using var db = contexts.CreateDbContext();
        var post = await db.Posts.AsNoTracking().OrderBy(p => p.Id)
            .Join(db.Users, p => p.UserId, u => u.Id, (p, u) => new { p.Id, u.Handle })
            .FirstOrDefaultAsync(cancellationToken);
        List<string> routes = ["/", "/users", "/users?q=an&sort=posts&page=2"];
        if (post is not null)
        {
            routes.Add($"/u/{Uri.EscapeDataString(post.Handle)}");
            routes.Add($"/u/{Uri.EscapeDataString(post.Handle)}/posts/{post.Id}");
        }

        return routes;
    }

    /// <summary>Until the server listens (the host's ApplicationStarted).</summary>
    private async Task StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
    }

    /// <summary>The server's first address, with a wildcard host made loopback; null without one (an in-memory server).</summary>
    private Uri? Address()
    {
        var first = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (first is null)
        {
            return null;
        }

        var address = new UriBuilder(first.Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal));
        if (address.Host is "0.0.0.0" or "[::]")
        {
            address.Host = "localhost";
        }

        return address.Uri;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Warmed up: {Requests} requests to {Routes} page routes in {Milliseconds} ms ({Failed} not 2xx)")]
    private partial void LogWarmedUp(int requests, int routes, long milliseconds, int failed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Warm-up: the JIT compiled {Compiled} methods in the last second, fewer than {SettledBelow}: settled")]
    private partial void LogJitSettled(long compiled, int settledBelow);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warm-up stopped after {Requests} requests: out of its {Seconds} s ({Failed} not 2xx); ready anyway")]
    private partial void LogOutOfTime(int requests, double seconds, int failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warm-up stopped after {Requests} requests: the server could not be reached; ready anyway")]
    private partial void LogFailed(Exception exception, int requests);
}

public static class WarmUpServiceCollectionExtensions
{
    /// <summary>The warm-up, run once after start, and its entry in <c>/readyz</c>.</summary>
    public static IServiceCollection AddWarmUp(this IServiceCollection services)
    {
        services.AddOptions<WarmUpOptions>()
            .BindConfiguration(WarmUpOptions.Section)
            .Validate(o => o.Requests >= 0, "WarmUp:Requests must be 0 or more.")
            .Validate(o => o.Concurrency > 0, "WarmUp:Concurrency must be 1 or more.")
            .Validate(o => o.SettledBelow >= 0, "WarmUp:SettledBelow must be 0 or more.")
            .Validate(o => o.MaxTime > TimeSpan.Zero, "WarmUp:MaxTime must be positive.")
            .ValidateOnStart();
        services.AddSingleton<JitCounter>();
        services.AddSingleton<WarmUp>();
        services.AddHostedService(sp => sp.GetRequiredService<WarmUp>());
        services.AddHealthChecks().AddCheck<WarmUp>(WarmUp.Name, tags: [Readiness.Tag]);
        services.AddSingleton<ILogEventFilter, WarmUpHealthLogFilter>();
        return services;
    }
}

/// <summary>
/// The health-check service logs every Unhealthy entry as an Error. The warm-up entry is Unhealthy by design until the
/// warm-up ends, on every start; the 503 it causes is logged as a Warning with the request. So its Error line is left
/// out (the app's logger reads this filter from services).
/// </summary>
internal sealed class WarmUpHealthLogFilter : ILogEventFilter
{
    public bool IsEnabled(LogEvent logEvent) =>
        !(logEvent.Level >= LogEventLevel.Error
          && logEvent.Properties.TryGetValue("HealthCheckName", out var name)
          && name is ScalarValue { Value: WarmUp.Name });
}
