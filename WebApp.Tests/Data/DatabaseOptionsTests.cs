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
    /// EF Core's check that one context is never used by two threads at once: off in production (it copies the execution
    /// context twice per row read), on in Development and in the tests, where it catches a loader sharing a context
    /// (a second operation on a context then throws instead of corrupting it).
    /// </summary>
    [Theory]
    [InlineData("Sqlite", "Production", false)]
    [InlineData("Sqlite", "Development", true)]
    [InlineData("Sqlite", "Testing", true)]
    [InlineData("Postgres", "Production", false)]
    [InlineData("Postgres", "Testing", true)]
    public async Task ThreadSafetyChecks_OffInProductionOnly(string provider, string environment, bool expected)
    {
        // No connection is opened: the options are read from a new context.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Database:Provider"] = provider,
                ["ConnectionStrings:Sqlite"] = "Data Source=:memory:",
                ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Database=unused",
            })
            .Build();
        await using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddAppDatabase(configuration, new HostingEnvironment { EnvironmentName = environment, ContentRootPath = Path.GetTempPath() })
            .BuildServiceProvider();

        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken);

        Assert.Equal(expected, db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()!.ThreadSafetyChecksEnabled);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(100, 30)]
    public void RetryDelay_DoublesFromTheFirstUpToTheCap(int failedAttempts, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), DatabaseInitializer.RetryDelay(failedAttempts, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)));
}
