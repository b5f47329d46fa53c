using System.Text.Encodings.Web;
using System.Text.Unicode;
using Serilog;
using WebApp.Data;

namespace WebApp.Hosting;

public static class WebAppBuilderExtensions
{
    /// <summary>Every service the site needs, one line a capability.</summary>
    public static WebApplicationBuilder AddWebApp(this WebApplicationBuilder builder)
    {
        var services = builder.Services;

        // A host-owned logger (not the static one), so several hosts can live in one test process.
        services.AddSerilog((sp, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(sp)
            .Enrich.FromLogContext(), preserveStaticLogger: true);

        services.AddSingleton(TimeProvider.System);
        services.AddAppDatabase(builder.Configuration, builder.Environment);
        services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: [DatabaseReadyCheck.Tag]);
        services.AddRazorPages();
        // Emit letters of every script as themselves; the encoder still escapes markup characters.
        services.AddWebEncoders(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));

        return builder;
    }
}
