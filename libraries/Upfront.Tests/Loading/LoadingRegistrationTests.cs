using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Upfront.Loading;

namespace Upfront.Tests.Loading;

/// <summary>What AddLoadGroups and its builder register: an adopter's first contact, and otherwise reached only through WebApp.</summary>
public sealed class LoadingRegistrationTests
{
    [Fact]
    public void AddLoadGroups_Twice_RegistersTheFactoryTheClockAndEachObserverOnce()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddLoadGroups();
        services.AddLoadGroups();
        using var provider = services.BuildServiceProvider();

        Assert.NotNull(provider.GetRequiredService<LoadGroupFactory>());
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        Assert.NotNull(provider.GetRequiredService<IMeterFactory>());
        var observers = provider.GetServices<ILoadGroupObserver>().ToList();
        Assert.Equal([typeof(LoadingMetrics), typeof(InFlightRegistry)], observers.Select(o => o.GetType()));
        // The observer a group notifies is the singleton the app reads (the registry behind /debug/loaders).
        Assert.Same(provider.GetRequiredService<LoadingMetrics>(), observers[0]);
        Assert.Same(provider.GetRequiredService<InFlightRegistry>(), observers[1]);
    }

    [Fact]
    public void AddServerTiming_AddsTheObserverAndTheHttpContextAccessor()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddLoadGroups().AddServerTiming();
        using var provider = services.BuildServiceProvider();

        Assert.NotNull(provider.GetRequiredService<IHttpContextAccessor>());
        Assert.Same(provider.GetRequiredService<ServerTiming>(), provider.GetServices<ILoadGroupObserver>().Last());
    }

    [Theory]
    [InlineData(0, "Upfront.Loading", "Upfront.Loading", null)]
    [InlineData(4, "App", "App", null)]
    [InlineData(-1, "Upfront.Loading", "Upfront.Loading", "LoadingOptions.MaxConcurrency must be 0 (unlimited) or more.")]
    [InlineData(0, "", "Upfront.Loading", "LoadingOptions.MeterName and ActivitySourceName must not be empty.")]
    [InlineData(0, " ", "Upfront.Loading", "LoadingOptions.MeterName and ActivitySourceName must not be empty.")]
    [InlineData(0, "Upfront.Loading", " ", "LoadingOptions.MeterName and ActivitySourceName must not be empty.")]
    public void Options_Validated(int maxConcurrency, string meterName, string activitySourceName, string? error)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddLoadGroups().Options.Configure(o =>
        {
            o.MaxConcurrency = maxConcurrency;
            o.MeterName = meterName;
            o.ActivitySourceName = activitySourceName;
        });
        using var provider = services.BuildServiceProvider();

        var options = () => provider.GetRequiredService<IOptions<LoadingOptions>>().Value;

        if (error is null)
        {
            Assert.Equal(maxConcurrency, options().MaxConcurrency);
        }
        else
        {
            Assert.Equal([error], Assert.Throws<OptionsValidationException>(options).Failures);
        }
    }
}
