using Serilog;
using WebApp;
using WebApp.Data;

// The bootstrap logger catches start-up failures; the host's own logger replaces it once configured.
Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateBootstrapLogger();
try
{
    if (SeedCommand.Matches(args))
    {
        return await SeedCommand.RunAsync(args);
    }

    var builder = WebApplication.CreateBuilder(args);
    builder.AddWebApp();

    var app = builder.Build();
    app.UseWebApp();

    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    Log.Fatal(ex, "WebApp stopped unexpectedly");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}

/// <summary>The entry point, public so that tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
