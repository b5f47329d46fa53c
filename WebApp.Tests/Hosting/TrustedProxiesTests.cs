using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WebApp.Diagnostics;
using WebApp.Hosting;
using WebApp.Pages.Debug;
using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Hosting;

/// <summary>
/// Forwarded headers change the scheme and client address only when the socket's peer is a configured
/// proxy. The in-memory server plays the socket (<see cref="TestPeer"/>) and reports what the app saw.
/// </summary>
public sealed class TrustedProxiesTests
{
    private const string Proxy = "10.0.0.5";
    private const string Outsider = "203.0.113.7";
    private const string Client = "198.51.100.1";

    [Theory]
    [InlineData("https", true)]
    [InlineData("http", false)]
    public async Task Proxy_ConfiguredProxy_SchemeClientAndHstsFollowItsHeaders(string proto, bool hsts)
    {
        await using var factory = await StartAsync(new() { ["ForwardedHeaders:KnownProxies:0"] = Proxy });

        using var response = await SendAsync(factory, Proxy, $"X-Forwarded-For: {Client}", $"X-Forwarded-Proto: {proto}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{proto} {Client}", Seen(response));
        Assert.Equal(hsts, response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task Proxy_PeerInsideAKnownNetwork_IsTrusted()
    {
        await using var factory = await StartAsync(new() { ["ForwardedHeaders:KnownNetworks:0"] = "10.1.0.0/16" });

        using var response = await SendAsync(factory, "10.1.2.3", $"X-Forwarded-For: {Client}", "X-Forwarded-Proto: https");

        Assert.Equal($"https {Client}", Seen(response));
        Assert.True(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Theory]
    [InlineData(Outsider, "ForwardedHeaders:KnownProxies:0", Proxy)]           // spoofed by a non-proxy
    [InlineData("127.0.0.1", "ForwardedHeaders:KnownNetworks:0", "10.0.0.0/8")] // ASP.NET Core's loopback default is cleared
    [InlineData("127.0.0.1", null, null)]                                      // nothing configured: nobody is trusted
    [InlineData("::1", null, null)]
    public async Task Proxy_HeadersFromAPeerNotConfigured_AreIgnored(string peer, string? key, string? value)
    {
        await using var factory = await StartAsync(key is null ? [] : new() { [key] = value });

        using var response = await SendAsync(factory, peer, $"X-Forwarded-For: {Client}", "X-Forwarded-Proto: https");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"http {peer}", Seen(response));
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task Proxy_HostSwitchOnWithoutProxies_TrustsNobody()
    {
        await using var factory = await StartAsync(new() { ["FORWARDEDHEADERS_ENABLED"] = "true" });

        using var response = await SendAsync(factory, Outsider, $"X-Forwarded-For: {Client}", "X-Forwarded-Proto: https");

        Assert.Equal($"http {Outsider}", Seen(response));
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task Proxy_HostSwitchOnWithAProxy_HeadersAppliedOnceFromTheProxyOnly()
    {
        await using var factory = await StartAsync(new() { ["FORWARDEDHEADERS_ENABLED"] = "true", ["ForwardedHeaders:KnownProxies:0"] = Proxy });

        // The proxy appends the address it saw; what the client itself claimed comes first and must stay a claim.
        using var viaProxy = await SendAsync(factory, Proxy, $"X-Forwarded-For: 127.0.0.1, {Client}", "X-Forwarded-Proto: https");
        using var direct = await SendAsync(factory, Outsider, $"X-Forwarded-For: {Client}", "X-Forwarded-Proto: https");

        Assert.Equal($"https {Client}", Seen(viaProxy));
        Assert.Equal($"http {Outsider}", Seen(direct));
    }

    [Theory]
    [InlineData("ForwardedHeaders:KnownProxies:0", "10.0.0.999")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.0/33")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.1")]
    [InlineData("Diagnostics:AllowedNetworks:0", "everyone")]
    public void Start_MalformedAddress_FailsNamingTheSettingAndValue(string key, string value)
    {
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build())
            .AddTrustedProxies()
            .AddDiagnostics()
            .BuildServiceProvider();

        // The check ValidateOnStart registers, which the host runs before it starts anything.
        var error = Assert.Throws<OptionsValidationException>(services.GetRequiredService<IStartupValidator>().Validate);

        Assert.Contains(key[..key.LastIndexOf(':')], error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    private static Task<WebAppFactory> StartAsync(Dictionary<string, string?> settings) =>
        TestSite.On(DatabaseProvider.Sqlite).With(settings).WithServices(TestPeer.Install).InEnvironment("Production").StartAsync();

    private static async Task<HttpResponseMessage> SendAsync(WebAppFactory factory, string peer, params string[] headers)
    {
        // Not localhost: the security-headers middleware never sends HSTS to a localhost host.
        var client = factory.CreateClient(new() { BaseAddress = new Uri("http://webapp.example") });
        return await client.SendAsync(TestPeer.Request(HttpMethod.Get, "/healthz", peer, headers), TestContext.Current.CancellationToken);
    }

    private static string Seen(HttpResponseMessage response) => string.Join(",", response.Headers.GetValues(TestPeer.SeenHeader));
}
