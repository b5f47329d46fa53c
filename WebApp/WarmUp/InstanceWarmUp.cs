using System.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using WebApp.Data;

namespace WebApp.WarmUp;

/// <summary>
/// Before <c>/readyz</c> turns green, the instance requests each page route from its own server over loopback
/// (<see cref="IWarmUpRoutes"/>), so that the first visitors a load balancer sends do not pay for the JIT, Razor's first
/// renders and the pool's first connections. It is also the readiness entry that says so. Its requests are marked
/// (<see cref="WarmUpRequests"/>), so the profiles it requests are not counted as views.
/// Off with <c>WarmUp:Requests=0</c>, and skipped where the server has no address (the tests' in-memory server).
/// </summary>
public sealed partial class InstanceWarmUp(
    IServer server,
    IHostApplicationLifetime lifetime,
    DatabaseState database,
    IWarmUpRoutes pages,
    WarmUpRequests requests,
    IOptions<WarmUpOptions> options,
    JitCounter jit,
    ILogger<InstanceWarmUp> logger) : BackgroundService, IHealthCheck
{
    public const string Name = "warm-up";

    // Off is done from the start: since .NET 10 a BackgroundService's ExecuteAsync runs on the thread pool after the host
    // has started, so a flag set only there would keep an instance without a warm-up unready for a moment.
    private volatile bool _done = options.Value.Requests == 0;

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
        var routes = await pages.RoutesAsync(limit.Token);
        using var http = new HttpClient { BaseAddress = address };
        requests.Mark(http);
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
