using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;
using WebApp.Data;
using WebApp.Pages.Shared;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Hosting;

public sealed class StartupTests
{
    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Start_EmptyDatabase_MigratesSeedsAndServesHome(DatabaseProvider provider)
    {
        var database = await TestDatabases.CreateEmptyAsync(provider);
        // Outside Development seeding is off unless asked for (see DatabaseOptionsTests).
        await using var factory = await TestSite.On(database).With("Database:SeedOnStartup", "true").StartAsync();
        var client = factory.CreateClient();

        var page = await HtmlPage.GetAsync(client, "/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(Formatting.Count(500), page.Text("#counts [data-count=users]"));
        var expectedPosts = DemoSeed.Generate(DemoSeedOptions.Default).Posts.Count;
        Assert.Equal(Formatting.Count(expectedPosts), page.Text("#counts [data-count=posts]"));
        Assert.NotEmpty(page.All("#featured-users li a[href^='/u/']"));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Start_DatabaseThatDoesNotExistYet_IsCreatedWithNoErrorLogged(DatabaseProvider provider)
    {
        var database = await TestDatabases.CreateMissingAsync(provider);
        var logs = new LogCapture();
        await using var factory = await TestSite.On(database).WithServices(s => s.AddSingleton<ILogEventSink>(logs)).StartAsync();

        var page = await HtmlPage.GetAsync(factory.CreateClient(), "/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.Status);
        // Creating a database is not a failure: an operator must not find errors in a first start's log.
        Assert.Empty(logs.AtLeast(LogEventLevel.Error).Select(e => $"{e.Properties.GetValueOrDefault("SourceContext")}: {e.RenderMessage()}"));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Health_SeededDatabase_LiveAndReady(DatabaseProvider provider)
    {
        await using var factory = await TestSite.On(provider).StartAsync();
        var client = factory.CreateClient();

        using var live = await client.GetAsync("/healthz", TestContext.Current.CancellationToken);
        using var ready = await client.GetAsync("/readyz", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Readyz_DatabaseUnreachable_Returns503WhileHealthzStays200()
    {
        // A port with nothing behind it; start-up work is off so the host can start without a database.
        var unreachable = new TestDatabase(DatabaseProvider.Postgres, "Host=127.0.0.1;Port=1;Database=none;Username=none");
        await using var factory = await TestSite.On(unreachable).With(new Dictionary<string, string?>
        {
            ["Database:MigrateOnStartup"] = "false",
            ["Database:SeedOnStartup"] = "false",
        }).StartAsync();
        var client = factory.CreateClient();

        using var ready = await client.GetAsync("/readyz", TestContext.Current.CancellationToken);
        using var live = await client.GetAsync("/healthz", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task UnknownPath_Returns404ErrorPageWithNoStackTraceOrExceptionText()
    {
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).InEnvironment("Production").StartAsync();

        var page = await HtmlPage.GetAsync(factory.CreateClient(), "/no/such/page", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, page.Status);
        Assert.Equal("Page not found", page.Text("h1"));
        Assert.Equal("404", page.Text(".status-code"));
        var text = page.Document.DocumentElement.TextContent;
        Assert.DoesNotMatch(@"\bat [\w.`<>]+\(|Exception|StackTrace|\.cs:line \d+", text);
        Assert.Empty(page.All("pre, code"));
    }
}
