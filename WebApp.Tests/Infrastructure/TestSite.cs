using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Serilog.Core;
using WebApp.Data;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// The one way to host the app in a test: describe it, then start it, on a seeded database of its own or on one the
/// test made. <c>TestSite.On(provider).WithFaults(faults).WithLogs(logs).WithDeadline(TimeSpan.FromSeconds(1)).StartAsync()</c>.
/// Everything goes in through configuration and services: the app has no test hooks.
/// </summary>
public sealed class TestSite
{
    private readonly DatabaseProvider _provider;
    private readonly TestDatabase? _database;
    private readonly Dictionary<string, string?> _settings = [];
    private readonly List<Action<IServiceCollection>> _services = [];
    private string _environment = "Testing";
    private bool _kestrel;
    private Action<ListenOptions>? _listen;
    private int? _poolSize;

    private TestSite(DatabaseProvider provider, TestDatabase? database)
    {
        _provider = provider;
        _database = database;
    }

    /// <summary>A site on a fresh copy of the seeded database.</summary>
    public static TestSite On(DatabaseProvider provider) => new(provider, null);

    /// <summary>A site on a database the test prepared (empty, missing, unreachable, behind a proxy).</summary>
    public static TestSite On(TestDatabase database) => new(database.Provider, database);

    /// <summary>A configuration value, as an environment variable or appsettings.json would give it.</summary>
    public TestSite With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    /// <summary>Several configuration values.</summary>
    public TestSite With(IReadOnlyDictionary<string, string?> settings)
    {
        foreach (var (key, value) in settings)
        {
            _settings[key] = value;
        }

        return this;
    }

    public TestSite WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    /// <summary>The page deadline, <c>Loading:RequestTimeout</c>.</summary>
    public TestSite WithDeadline(TimeSpan deadline) => With("Loading:RequestTimeout", deadline.ToString());

    /// <summary>Every statement of the app's contexts (reads and writes) passes through <paramref name="interceptor"/>.</summary>
    public TestSite WithInterceptor(IInterceptor interceptor)
    {
        // An interceptor added here comes after the app's own, so after the batch's, which must be the last: a
        // statement it changed or failed would be in the batch already. These sites load with a connection a loader
        // (unless the test chose a strategy); BatchStrategyTests breaks the database from outside instead.
        _settings.TryAdd("Loading:Strategy", "Concurrent");
        return WithServices(services =>
        {
            services.ConfigureDbContext<SqliteAppDbContext>(options => options.AddInterceptors(interceptor));
            services.ConfigureDbContext<PostgresAppDbContext>(options => options.AddInterceptors(interceptor));
        });
    }

    /// <summary>Statements pass through <paramref name="faults"/>, which finds them by their loader's name.</summary>
    public TestSite WithFaults(FaultInjector faults) => WithInterceptor(faults);

    /// <summary>Every log event from Information up also goes to <paramref name="sink"/>.</summary>
    public TestSite WithLogs(ILogEventSink sink) =>
        With("Serilog:MinimumLevel:Default", "Information").WithServices(s => s.AddSingleton(sink));

    /// <summary>No page-view writes: a test that counts queries or reads seeded counts sees only its page's.</summary>
    public TestSite WithoutPageViews() => With("PageViews:Enabled", "false");

    /// <summary>The app's clock stands still at the seed's reference time, so pages render the same HTML on every run.</summary>
    public TestSite WithFixedClock() => WithServices(services =>
        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(DemoSeedOptions.Default.ReferenceTime)))));

    /// <summary>PostgreSQL only: the app's <c>Maximum Pool Size</c>.</summary>
    public TestSite WithPoolSize(int size)
    {
        _poolSize = size;
        return this;
    }

    public TestSite InEnvironment(string environment)
    {
        _environment = environment;
        return this;
    }

    /// <summary>
    /// A real socket on a free loopback port: for what the in-memory server cannot show (a client that hangs up).
    /// <paramref name="listen"/> adds to the endpoint, e.g. a connection middleware that watches the bytes.
    /// </summary>
    public TestSite OnKestrel(Action<ListenOptions>? listen = null)
    {
        _kestrel = true;
        _listen = listen;
        return this;
    }

    public async Task<WebAppFactory> StartAsync()
    {
        var database = _database ?? await TestDatabases.CreateSeededAsync(_provider);
        if (_poolSize is { } size)
        {
            database = database with { ConnectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = size }.ConnectionString };
        }

        var services = _services.ToArray();
        var factory = new WebAppFactory(database, new Dictionary<string, string?>(_settings), s => Array.ForEach(services, configure => configure(s)), _environment);
        if (_kestrel)
        {
            // A listen endpoint on a free port, given to Kestrel before it starts. UseKestrel(0) instead rewrites the
            // server's addresses after the host is built, which races the app's own start of Kestrel and can throw
            // "Addresses cannot be modified after the server has started" (dotnet/aspnetcore#67714).
            factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => _listen?.Invoke(listen)));
        }

        factory.StartServer();
        return factory;
    }
}
