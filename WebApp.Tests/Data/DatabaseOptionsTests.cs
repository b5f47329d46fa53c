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

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(100, 30)]
    public void RetryDelay_DoublesFromTheFirstUpToTheCap(int failedAttempts, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), DatabaseInitializer.RetryDelay(failedAttempts, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)));
}
