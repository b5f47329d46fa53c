using WebApp.Hosting;

namespace WebApp.Benchmarks.Infrastructure;

/// <summary>The app's own services (AddWebApp), built but not started: no server, no database initializer.</summary>
internal static class AppHost
{
    public static WebApplication Build(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var root = RepoPaths.WebAppProject;
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

/// <summary>Where the repository's folders are, found from the working folder or the program's folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = Find();

    public static string WebAppProject => Path.Combine(Root, "WebApp");

    public static string Results => Path.Combine(Root, "benchmarks", "results");

    private static string Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "WebApp.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("WebApp.sln not found above the working folder or the program's folder.");
    }
}
