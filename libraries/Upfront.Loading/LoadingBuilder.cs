using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Upfront.Loading;

/// <summary>What <see cref="LoadGroupServiceCollectionExtensions.AddLoadGroups"/> returns: the loading options and its observers.</summary>
public sealed class LoadingBuilder
{
    internal LoadingBuilder(IServiceCollection services) => Services = services;

    /// <summary>The application's services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The options (<see cref="LoadingOptions"/>), to bind or configure.</summary>
    public OptionsBuilder<LoadingOptions> Options => Services.AddOptions<LoadingOptions>();

    /// <summary>Writes every page load's timings as a <c>Server-Timing</c> response header (<see cref="ServerTiming"/>).</summary>
    public LoadingBuilder AddServerTiming()
    {
        Services.AddHttpContextAccessor();
        return AddObserver<ServerTiming>();
    }

    /// <summary>Adds an observer that every load group tells about its loaders (a singleton).</summary>
    public LoadingBuilder AddObserver<TObserver>()
        where TObserver : class, ILoadGroupObserver
    {
        Services.TryAddSingleton<TObserver>();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoadGroupObserver, TObserver>(sp => sp.GetRequiredService<TObserver>()));
        return this;
    }
}
