using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using WebApp.Data;

namespace WebApp.Tests.Data;

public sealed class DatabaseOptionsTests
{
    [Theory]
    [InlineData("Development", null, true)]
    [InlineData("Production", null, false)]
    [InlineData("Testing", null, false)]
    [InlineData("Production", "true", true)]
    [InlineData("Development", "false", false)]
    public void SeedOnStartup_OnInDevelopmentOnlyUnlessConfigured(string environment, string? configured, bool expected)
    {
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:Sqlite"] = "Data Source=:memory:" };
        if (configured is not null)
        {
            settings["Database:SeedOnStartup"] = configured;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddAppDatabase(configuration, new HostingEnvironment { EnvironmentName = environment, ContentRootPath = Path.GetTempPath() })
            .BuildServiceProvider();

        Assert.Equal(expected, services.GetRequiredService<IOptions<DatabaseOptions>>().Value.SeedOnStartup);
    }

    /// <summary>
    /// EF Core's check that one context is never used by two threads at once: on, as in EF Core, in every environment
    /// (it catches a loader sharing a context: a second operation then throws instead of corrupting it), and off only
    /// when <c>Database:ThreadSafetyChecks</c> says so.
    /// </summary>
    [Theory]
    [InlineData("Sqlite", "Production", null, true)]
    [InlineData("Sqlite", "Development", null, true)]
    [InlineData("Sqlite", "Production", "false", false)]
    [InlineData("Postgres", "Production", "false", false)]
    [InlineData("Postgres", "Testing", null, true)]
    public async Task ThreadSafetyChecks_OnUnlessTurnedOff(string provider, string environment, string? setting, bool expected)
    {
        // No connection is opened: the options are read from a new context.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Database:Provider"] = provider,
                ["ConnectionStrings:Sqlite"] = "Data Source=:memory:",
                ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Database=unused",
                ["Database:ThreadSafetyChecks"] = setting,
            })
            .Build();
        var host = new HostingEnvironment { EnvironmentName = environment, ContentRootPath = Path.GetTempPath() };
        await using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton<IHostEnvironment>(host)
            .AddAppDatabase(configuration, host)
            .BuildServiceProvider();

        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken);

        Assert.Equal(expected, db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()!.ThreadSafetyChecksEnabled);
    }
}
