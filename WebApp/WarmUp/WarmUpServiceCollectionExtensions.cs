using Serilog.Core;
using WebApp.Hosting;

namespace WebApp.WarmUp;

public static class WarmUpServiceCollectionExtensions
{
    /// <summary>The warm-up, run once after start, and its entry in <c>/readyz</c>.</summary>
    public static IServiceCollection AddWarmUp(this IServiceCollection services)
    {
        services.AddOptions<WarmUpOptions>()
            .BindConfiguration(WarmUpOptions.Section)
            .Validate(o => o.Requests >= 0, "WarmUp:Requests must be 0 or more.")
            .Validate(o => o.Concurrency > 0, "WarmUp:Concurrency must be 1 or more.")
            .Validate(o => o.SettledBelow >= 0, "WarmUp:SettledBelow must be 0 or more.")
            .Validate(o => o.MaxTime > TimeSpan.Zero, "WarmUp:MaxTime must be positive.")
            .ValidateOnStart();
        services.AddSingleton<JitCounter>();
        services.AddSingleton<WarmUpRequests>();
        services.AddSingleton<InstanceWarmUp>();
        services.AddHostedService(sp => sp.GetRequiredService<InstanceWarmUp>());
        services.AddHealthChecks().AddCheck<InstanceWarmUp>(InstanceWarmUp.Name, tags: [Readiness.Tag]);
        services.AddSingleton<ILogEventFilter, WarmUpHealthLogFilter>();
        return services;
    }
}
