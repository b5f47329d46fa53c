using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using WebApp.PageViews;

namespace WebApp.Tests.PageViews;

public sealed class PageViewOptionsTests
{
    [Theory]
    [InlineData("QueueCapacity", "0")]
    [InlineData("BatchSize", "0")]
    [InlineData("BatchSize", "10001")]
    [InlineData("Linger", "-00:00:01")]
    [InlineData("MaxRetryDelay", "00:00:00")]
    [InlineData("DropWarningInterval", "00:00:00")]
    public void AddPageViews_InvalidSetting_FailsStartupValidationNamingTheKey(string key, string value)
    {
        using var services = Services(new() { ["PageViews:" + key] = value });

        // The check ValidateOnStart registers, which the host runs before it starts anything.
        var error = Assert.Throws<OptionsValidationException>(services.GetRequiredService<IStartupValidator>().Validate);

        Assert.Contains("PageViews:" + key, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("BatchSize", "10000")]
    [InlineData("Linger", "00:00:00")]
    public void AddPageViews_SettingAtItsLimit_IsAccepted(string key, string value)
    {
        using var services = Services(new() { ["PageViews:" + key] = value });

        services.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void AddPageViews_RegistersOneRecorderAndTheWriterAsAHostedService()
    {
        using var services = Services([]);

        Assert.Same(services.GetRequiredService<PageViewRecorder>(), services.GetRequiredService<PageViewRecorder>());
        Assert.IsType<PageViewWriter>(Assert.Single(services.GetServices<IHostedService>()));
    }

    [Fact]
    public void AddPageViews_NoSettings_UsesTheDocumentedDefaults()
    {
        using var services = Services([]);

        services.GetRequiredService<IStartupValidator>().Validate();
        var options = services.GetRequiredService<IOptions<PageViewOptions>>().Value;

        Assert.True(options.Enabled);
        Assert.Equal(10_000, options.QueueCapacity);
        Assert.Equal(500, options.BatchSize);
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.Linger);
        Assert.Equal(TimeSpan.FromSeconds(5), options.MaxRetryDelay);
        Assert.Equal(TimeSpan.FromSeconds(10), options.DropWarningInterval);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddMetrics()
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            // The writer's database: never opened here.
            .AddSingleton(new WebApp.Data.PrimaryDbContextFactory(() => throw new InvalidOperationException("no database in this test")))
            .AddPageViews()
            .BuildServiceProvider();
}
