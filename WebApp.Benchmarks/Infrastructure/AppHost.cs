using WebApp;
using WebApp.Tools;

namespace WebApp.Benchmarks.Infrastructure;

/// <summary>The app's own services (AddWebApp), built but not started: no server, no database initializer.</summary>
internal static class AppHost
{
    public static WebApplication Build(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var root = Repository.PathOf("WebApp");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            // The app's assembly name, so MVC finds its compiled pages and views as it does in WebApp itself.
            ApplicationName = "WebApp",
            ContentRootPath = root,
            WebRootPath = Path.Combine(root, "wwwroot"),
            EnvironmentName = "Production",
        });
        var values = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Sqlite"] = "Data Source=:memory:",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(values);
        builder.AddWebApp();
        return builder.Build();
    }
}
