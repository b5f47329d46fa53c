using System.Text.Encodings.Web;
using System.Text.Unicode;
using WebApp.ActivityService;
using WebApp.Data;
using WebApp.Diagnostics;
using WebApp.Hosting;
using WebApp.Loading;
using WebApp.Observability;
using WebApp.Pages;
using WebApp.PageViews;
using WebApp.WarmUp;

namespace WebApp;

public static class WebAppServices
{
    /// <summary>Every service the site needs, one line a capability.</summary>
    public static WebApplicationBuilder AddWebApp(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Nothing tells a visitor which server runs the site.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);

        services.AddSingleton(TimeProvider.System);
        services.AddRequestLog(builder.Configuration);
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
        services.AddDiagnostics();
        // Emit letters of every script as themselves; the encoder still escapes markup characters.
        services.AddWebEncoders(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));

        return builder;
    }
}
