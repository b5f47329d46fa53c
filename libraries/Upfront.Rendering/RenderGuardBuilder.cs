using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Upfront.Rendering;

/// <summary>What <see cref="RenderingServiceCollectionExtensions.AddRenderGuard"/> returns: the options, and where more guards plug in.</summary>
public sealed class RenderGuardBuilder
{
    internal RenderGuardBuilder(IServiceCollection services) => Services = services;

    /// <summary>The application's services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The options (<see cref="RenderGuardOptions"/>), to bind or configure.</summary>
    public OptionsBuilder<RenderGuardOptions> Options => Services.AddOptions<RenderGuardOptions>();
}
