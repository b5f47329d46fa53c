using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using WebApp.Data;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// Hosts the real app in the Testing environment on a test's own database. Configuration goes in
/// through settings, services through <paramref name="services"/>: the app has no test hooks.
/// </summary>
public sealed class WebAppFactory(
    TestDatabase database,
    IReadOnlyDictionary<string, string?>? settings = null,
    Action<IServiceCollection>? services = null,
    string environment = "Testing") : WebApplicationFactory<Program>
{
    public TestDatabase Database { get; } = database;

    /// <summary>The common case of <see cref="TestSite"/>: settings and services, nothing else.</summary>
    public static Task<WebAppFactory> StartAsync(
        DatabaseProvider provider,
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        bool kestrel = false,
        string environment = "Testing")
    {
        var site = TestSite.On(provider).InEnvironment(environment);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            site.With(key, value);
        }

        if (services is not null)
        {
            site.WithServices(services);
        }

        return (kestrel ? site.OnKestrel() : site).StartAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        // A build (unlike a publish) keeps the precompressed assets under obj/, mapped only by the
        // static web assets manifest, which the host reads by itself in Development alone. Without it
        // a browser asking for gzip gets an empty, typeless stylesheet in the other environments.
        builder.UseStaticWebAssets();
        builder.UseSetting("Database:Provider", Database.Provider.ToString());
        builder.UseSetting($"ConnectionStrings:{Database.Provider}", Database.ConnectionString);
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        // A test starts its host and asks at once: no warm-up holding readiness back (WarmUpTests turn it on).
        builder.UseSetting("WarmUp:Requests", "0");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        if (services is not null)
        {
            builder.ConfigureServices(services);
        }
    }
}
