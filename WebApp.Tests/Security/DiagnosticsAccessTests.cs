using System.Net;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Security;

/// <summary>Who sees diagnostics, and that an error page never leaks what went wrong.</summary>
public sealed class DiagnosticsAccessTests
{
    [Theory]
    [InlineData("Production", null, false, HttpStatusCode.NotFound)]
    [InlineData("Production", "true", false, HttpStatusCode.NotFound)] // enabled, but the in-memory caller has no loopback address
    [InlineData("Production", "true", true, HttpStatusCode.OK)]        // enabled, from 127.0.0.1 over a real socket
    [InlineData("Production", "false", true, HttpStatusCode.NotFound)]
    [InlineData("Development", null, false, HttpStatusCode.OK)]
    [InlineData("Development", "false", false, HttpStatusCode.NotFound)]
    public async Task DebugLoaders_ByEnvironmentAndSetting_ShownOnlyWhereAllowed(string environment, string? enabled, bool kestrel, HttpStatusCode expected)
    {
        var settings = new Dictionary<string, string?> { ["Diagnostics:Enabled"] = enabled };
        await using var factory = await WebAppFactory.StartAsync(DatabaseProvider.Sqlite, settings, kestrel: kestrel, environment: environment);
        var client = factory.CreateClient();

        var html = await HtmlPage.GetAsync(client, "/debug/loaders", TestContext.Current.CancellationToken);
        using var json = await client.GetAsync("/debug/loaders?format=json", TestContext.Current.CancellationToken);

        Assert.Equal(expected, html.Status);
        Assert.Equal(expected, json.StatusCode);
        if (expected == HttpStatusCode.NotFound)
        {
            Assert.Equal("Page not found", html.Text("#error-heading"));
        }
        else
        {
            Assert.Equal("Loaders", html.Text("main h1"));
        }
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Testing")]
    public async Task ErrorPage_FailureMentioningAConnectionString_ShowsNeitherItNorAStackTrace(string environment)
    {
        const string secret = "Host=db.internal;Username=webapp;Password=hunter2-not-real";
        var faults = new FaultInjector().Throw("home.latest", new InvalidOperationException($"Could not connect: {secret}"));
        await using var factory = await WebAppFactory.StartAsync(DatabaseProvider.Sqlite, services: s => s.AddSingleton<IInterceptor>(faults), environment: environment);

        using var response = await factory.CreateClient().GetAsync("/", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("db.internal", body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at WebApp.", body, StringComparison.Ordinal);
        Assert.Contains("Something went wrong", body, StringComparison.Ordinal);
    }
}
