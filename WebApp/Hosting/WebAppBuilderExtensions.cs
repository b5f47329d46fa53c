using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.Options;
using Serilog;
using WebApp.Presence;
using WebApp.Data;
using WebApp.Loading;
using WebApp.Observability;
using WebApp.Pages.Debug;
using WebApp.Pages.Shared;
using WebApp.Rendering;
using WebApp.PageViews;
using WebApp.Pages;

namespace WebApp.Hosting;

public static class WebAppBuilderExtensions
{
    /// <summary>Every service the site needs, one line a capability.</summary>
    public static WebApplicationBuilder AddWebApp(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Nothing tells a visitor which server runs the site.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);

        // A host-owned logger (not the static one), so several hosts can live in one test process.
        services.AddSerilog((sp, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(sp)
            .Enrich.FromLogContext()
            .Enrich.With<ControlCharacterEscaper>(), preserveStaticLogger: true); // last: no visitor value starts a line

        services.AddSingleton(TimeProvider.System);
        services.AddTelemetry(builder.Configuration);
        services.AddLoading();
        services.AddAppDatabase(builder.Configuration, builder.Environment);
        services.AddActivity();
        services.AddPageViews();
        services.AddReadiness();
        services.AddTrustedProxies();
        services.AddSecurityHeaders(builder.Environment);
        services.AddRazorPages();
        services.Configure<RouteOptions>(routes => routes.SetParameterPolicy<HandleRouteConstraint>(Handles.ConstraintName));
        services.AddRenderGuard();
        services.AddOptions<BenchmarksOptions>().BindConfiguration(BenchmarksOptions.Section);
        // Emit letters of every script as themselves; the encoder still escapes markup characters.
        services.AddWebEncoders(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));

        return builder;
    }

    /// <summary>The page deadline (ASP.NET Core's request timeouts) and the load groups that honour it.</summary>
    private static void AddLoading(this IServiceCollection services)
    {
        services.AddOptions<LoadingOptions>()
            .BindConfiguration(LoadingOptions.Section)
            .Validate(o => o.RequestTimeout > TimeSpan.Zero, "Loading:RequestTimeout must be positive.")
            .Validate(o => o.MaxConcurrency >= 0, "Loading:MaxConcurrency must be 0 (unlimited) or more.")
            .ValidateOnStart();
        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<LoadingOptions>>((timeouts, loading) =>
            timeouts.AddPolicy(PagePolicy, new RequestTimeoutPolicy
            {
                Timeout = loading.Value.RequestTimeout,
                TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
            }));
        services.AddHttpContextAccessor();
        services.AddSingleton<LoadGroupFactory>();
        services.AddSingleton<ILoadGroupObserver, LoadingMetrics>();
        services.AddSingleton<ILoadGroupObserver, RequestLoadTimings>();
        services.AddSingleton<InFlightRegistry>();
        services.AddSingleton<ILoadGroupObserver>(sp => sp.GetRequiredService<InFlightRegistry>());
        services.AddDiagnostics();
    }

    /// <summary>The request-timeout policy every page runs under.</summary>
    public const string PagePolicy = "page";
}
