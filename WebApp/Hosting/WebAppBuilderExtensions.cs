using System.Text.Encodings.Web;
using System.Text.Unicode;
using Serilog;
using WebApp.ActivityService;
using WebApp.Data;
using WebApp.Loading;
using WebApp.Observability;
using WebApp.Pages.Debug;
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
        services.AddWarmUp();
        services.AddTrustedProxies();
        services.AddSecurityHeaders(builder.Environment);
        services.AddPages();
        services.AddRendering();
        services.AddDiagnostics();
        // Emit letters of every script as themselves; the encoder still escapes markup characters.
        services.AddWebEncoders(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));

        return builder;
    }
}
