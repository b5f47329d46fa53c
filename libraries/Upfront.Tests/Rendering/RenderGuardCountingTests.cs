using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Upfront.Rendering;

namespace Upfront.Tests.Rendering;

/// <summary>
/// The guard's one check in each environment (it counts every violation; it throws outside Production unless told
/// otherwise) and what AddRenderGuard registers.
/// </summary>
public sealed class RenderGuardCountingTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<string> _violations = [];
    private readonly MeterListener _listener = new();

    public RenderGuardCountingTests()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "upfront.rendering.io_violations" && instrument.Meter.Scope == meters)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, v, tags, _) => _violations.Add($"{v} {tags[0].Key}={tags[0].Value}"));
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    [Theory]
    [InlineData("Production", null, false)]
    [InlineData("Development", null, true)]
    [InlineData("Staging", false, false)]
    [InlineData("Production", true, true)]
    public void Check_WhileRendering_CountsInEveryEnvironmentAndThrowsAsConfigured(string environment, bool? throwOnViolation, bool throws)
    {
        var logger = new FakeLogger<RenderGuard>();
        var guard = Guard(environment, throwOnViolation, logger);

        using (RenderPhase.Enter("/Profile"))
        {
            var check = () => guard.Check("GET /x", c => c);
            if (throws)
            {
                Assert.Equal("GET /x", Assert.Throws<RenderPhaseViolationException>(check).Call);
                Assert.Equal(0, logger.Collector.Count);
            }
            else
            {
                check();
                Assert.Equal(LogLevel.Error, logger.LatestRecord.Level);
                Assert.Equal("Page /Profile performed I/O while rendering: GET /x", logger.LatestRecord.Message);
            }
        }

        Assert.Equal(["1 page=/Profile"], _violations);
    }

    [Fact]
    public void Check_OutsideTheRenderPhase_NeitherDescribesNorCounts()
    {
        var guard = Guard("Production", null, new FakeLogger<RenderGuard>());

        guard.Check("GET /x", _ => throw new InvalidOperationException("described outside the render phase"));

        Assert.Empty(_violations);
    }

    [Fact]
    public async Task AddRenderGuard_Twice_OneFilterAndEveryHttpClientGuarded()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<Microsoft.Extensions.Hosting.IHostEnvironment>(new HostingEnvironment { EnvironmentName = "Testing" });
        services.AddRenderGuard();
        services.AddRenderGuard();
        services.AddHttpClient("api").ConfigurePrimaryHttpMessageHandler(() => new NoContent());
        await using var provider = services.BuildServiceProvider();

        Assert.Single(services, d => d.ServiceType == typeof(RenderPhaseFilter));
        var filter = Assert.Single(provider.GetRequiredService<IOptions<MvcOptions>>().Value.Filters.OfType<ServiceFilterAttribute>());
        Assert.Equal(typeof(RenderPhaseFilter), filter.ServiceType);
        Assert.NotNull(provider.GetRequiredService<RenderMetrics>());
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("api");
        using (RenderPhase.Enter("/Profile"))
        {
            var violation = await Assert.ThrowsAsync<RenderPhaseViolationException>(() => client.GetAsync(new Uri("http://api.invalid/x"), TestContext.Current.CancellationToken));
            Assert.Equal("HTTP GET http://api.invalid/x", violation.Call);
        }

        using var response = await client.GetAsync(new Uri("http://api.invalid/x"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Theory]
    [InlineData("App", true, true)]
    [InlineData(" ", true, false)]
    [InlineData("Upfront.Rendering", false, false)]
    public void Options_MeterNameAndPageName_Validated(string meterName, bool hasPageName, bool valid)
    {
        var services = new ServiceCollection();
        services.AddRenderGuard();
        services.Configure<RenderGuardOptions>(o =>
        {
            o.MeterName = meterName;
            o.PageName = hasPageName ? o.PageName : null!;
        });
        using var provider = services.BuildServiceProvider();
        var options = () => provider.GetRequiredService<IOptions<RenderGuardOptions>>().Value;

        if (valid)
        {
            Assert.Equal(meterName, options().MeterName);
        }
        else
        {
            Assert.Equal(["RenderGuardOptions.MeterName and PageName must be set."], Assert.Throws<OptionsValidationException>(options).Failures);
        }
    }

    [Fact]
    public void PageName_ByDefault_TheActionsDisplayNameOrUnknown()
    {
        var name = new RenderGuardOptions().PageName;

        Assert.Equal("Orders.Index", name(new ActionDescriptor { DisplayName = "Orders.Index" }));
        Assert.Equal("unknown", name(new ActionDescriptor { DisplayName = null }));
    }

    private RenderGuard Guard(string environment, bool? throwOnViolation, ILogger<RenderGuard> logger)
    {
        var options = Options.Create(new RenderGuardOptions { ThrowOnViolation = throwOnViolation });
        var metrics = new RenderMetrics(_services.GetRequiredService<IMeterFactory>(), options);
        return new RenderGuard(options, new HostingEnvironment { EnvironmentName = environment }, metrics, logger);
    }

    private sealed class NoContent : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.NoContent));
    }
}
