using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// The real app in the Testing environment on a test's own database, as <see cref="TestSite"/> describes it.
/// Configuration goes in through settings, services through the site's service actions: the app has no test hooks.
/// </summary>
public sealed class WebAppFactory : WebApplicationFactory<Program>
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly Action<IServiceCollection> _services;
    private readonly string _environment;

    internal WebAppFactory(TestDatabase database, IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection> services, string environment)
    {
        Database = database;
        _settings = settings;
        _services = services;
        _environment = environment;
    }

    public TestDatabase Database { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        // A build (unlike a publish) keeps the precompressed assets under obj/, mapped only by the
        // static web assets manifest, which the host reads by itself in Development alone. Without it
        // a browser asking for gzip gets an empty, typeless stylesheet in the other environments.
        builder.UseStaticWebAssets();
        builder.UseSetting("Database:Provider", Database.Provider.ToString());
        builder.UseSetting($"ConnectionStrings:{Database.Provider}", Database.ConnectionString);
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        // A test starts its host and asks at once: no warm-up holding readiness back (WarmUpTests turn it on).
        builder.UseSetting("WarmUp:Requests", "0");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(_services);
    }
}
