using System.Net;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Security;

/// <summary>Who sees diagnostics, and that an error page never leaks what went wrong.</summary>
public sealed class DiagnosticsAccessTests
{
    /// <summary>Who may see /debug/loaders (its content is LoadersPageTests'). The one place this is tested.</summary>
    [Theory]
    [InlineData("Testing", null, false, HttpStatusCode.NotFound)]
    [InlineData("Production", null, false, HttpStatusCode.NotFound)]
    [InlineData("Production", "true", false, HttpStatusCode.NotFound)] // enabled, but the in-memory caller has no loopback address
    [InlineData("Production", "true", true, HttpStatusCode.OK)]        // enabled, from 127.0.0.1 over a real socket
    [InlineData("Production", "false", true, HttpStatusCode.NotFound)]
    [InlineData("Development", null, false, HttpStatusCode.OK)]
    [InlineData("Development", "false", false, HttpStatusCode.NotFound)]
    public async Task DebugLoaders_ByEnvironmentAndSetting_ShownOnlyWhereAllowed(string environment, string? enabled, bool kestrel, HttpStatusCode expected)
    {
        var settings = new Dictionary<string, string?> { ["Diagnostics:Enabled"] = enabled };
        var site = TestSite.On(DatabaseProvider.Sqlite).With(settings).InEnvironment(environment);
        await using var factory = await (kestrel ? site.OnKestrel() : site).StartAsync();
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

    private const string Proxy = "10.0.0.5";
    private const string Outsider = "203.0.113.7";
    private const string AllowedClient = "192.0.2.10";

    /// <summary>
    /// Diagnostics on in Production, one proxy (10.0.0.5) trusted, clients of 192.0.2.0/24 allowed through it.
    /// Each case gives the socket's peer, the headers it sends, and whether the host's own
    /// ASPNETCORE_FORWARDEDHEADERS_ENABLED switch (which alone trusts any sender) is on.
    /// </summary>
    [Theory]
    [InlineData("127.0.0.1", "", false, HttpStatusCode.OK)]                                  // loopback, no proxy in between: local
    [InlineData("127.0.0.1", "X-Forwarded-For: 127.0.0.1", false, HttpStatusCode.NotFound)]  // forwarding headers: never local by themselves
    [InlineData("127.0.0.1", "Forwarded: for=127.0.0.1", false, HttpStatusCode.NotFound)]
    [InlineData("127.0.0.1", "X-Forwarded-Proto: https", false, HttpStatusCode.NotFound)]
    [InlineData(Outsider, "X-Forwarded-For: 127.0.0.1", false, HttpStatusCode.NotFound)]      // spoofed loopback from a non-proxy
    [InlineData(Outsider, "X-Forwarded-For: " + AllowedClient, false, HttpStatusCode.NotFound)] // spoofed allowed client from a non-proxy
    [InlineData(Proxy, "X-Forwarded-For: " + AllowedClient, false, HttpStatusCode.OK)]       // the proxy reports an allowed client
    [InlineData(Proxy, "X-Forwarded-For: 198.51.100.1", false, HttpStatusCode.NotFound)]     // the proxy reports a client not allowed
    [InlineData(Proxy, "X-Forwarded-For: 127.0.0.1", false, HttpStatusCode.NotFound)]        // loopback behind the proxy is just a client
    [InlineData(Proxy, "", false, HttpStatusCode.NotFound)]                                  // the proxy without a client address
    [InlineData(Outsider, "X-Forwarded-For: 127.0.0.1", true, HttpStatusCode.NotFound)]       // the host switch trusts no one more
    [InlineData(Proxy, "X-Forwarded-For: " + AllowedClient, true, HttpStatusCode.OK)]
    public async Task DebugLoaders_BehindProxy_LocalOnlyByRealAddressAndAllowedNetworks(string peer, string header, bool hostSwitch, HttpStatusCode expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Diagnostics:Enabled"] = "true",
            ["Diagnostics:AllowedNetworks:0"] = "192.0.2.0/24",
            ["ForwardedHeaders:KnownProxies:0"] = Proxy,
            ["FORWARDEDHEADERS_ENABLED"] = hostSwitch ? "true" : null,
        };
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).With(settings).WithServices(TestPeer.Install).InEnvironment("Production").StartAsync();
        var client = factory.CreateClient();
        var headers = header.Length == 0 ? [] : new[] { header };

        using var get = await client.SendAsync(TestPeer.Request(HttpMethod.Get, "/debug/loaders", peer, headers), TestContext.Current.CancellationToken);
        using var trace = await client.SendAsync(TestPeer.Request(HttpMethod.Trace, "/debug/loaders", peer, headers), TestContext.Current.CancellationToken);

        Assert.Equal(expected, get.StatusCode);
        // Whoever may not see diagnostics cannot learn they exist by another method either.
        Assert.Equal(expected == HttpStatusCode.OK ? HttpStatusCode.MethodNotAllowed : HttpStatusCode.NotFound, trace.StatusCode);
    }

    [Fact]
    public async Task DebugLoaders_HostSwitchAloneWithNoProxyConfigured_SpoofedLoopbackIsNotLocal()
    {
        // ASPNETCORE_FORWARDEDHEADERS_ENABLED=true by itself makes ASP.NET Core believe any X-Forwarded-For.
        var settings = new Dictionary<string, string?> { ["Diagnostics:Enabled"] = "true", ["FORWARDEDHEADERS_ENABLED"] = "true" };
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).With(settings).WithServices(TestPeer.Install).InEnvironment("Production").StartAsync();

        using var response = await factory.CreateClient().SendAsync(
            TestPeer.Request(HttpMethod.Get, "/debug/loaders", Outsider, "X-Forwarded-For: 127.0.0.1"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Testing")]
    public async Task ErrorPage_FailureMentioningAConnectionString_ShowsNeitherItNorAStackTrace(string environment)
    {
        const string secret = "Host=db.internal;Username=webapp;Password=hunter2-not-real";
        var faults = new FaultInjector().Throw("home.latest", new InvalidOperationException($"Could not connect: {secret}"));
        await using var factory = await TestSite.On(DatabaseProvider.Sqlite).WithInterceptor(faults).InEnvironment(environment).StartAsync();

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
