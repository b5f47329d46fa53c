using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Upfront.Loading;

/// <summary>Registers load groups.</summary>
public static class LoadGroupServiceCollectionExtensions
{
    /// <summary>
    /// The <see cref="LoadGroupFactory"/>, with <see cref="LoadingMetrics"/> and the <see cref="InFlightRegistry"/>
    /// observing every group. The deadline itself is ASP.NET Core's: add request timeouts
    /// (<c>AddRequestTimeouts</c>, <c>UseRequestTimeouts</c>) and pass the request's token to
    /// <see cref="LoadGroupFactory.Create"/>.
    /// </summary>
    public static LoadingBuilder AddLoadGroups(this IServiceCollection services)
    {
        services.AddOptions<LoadingOptions>()
            .Validate(o => o.MaxConcurrency >= 0, "LoadingOptions.MaxConcurrency must be 0 (unlimited) or more.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.MeterName) && !string.IsNullOrWhiteSpace(o.ActivitySourceName), "LoadingOptions.MeterName and ActivitySourceName must not be empty.")
            .ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LoadGroupFactory>();
        return new LoadingBuilder(services)
            .AddObserver<LoadingMetrics>()
            .AddObserver<InFlightRegistry>();
    }
}
