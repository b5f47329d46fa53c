using System.Globalization;
using System.Text;
using Serilog;

namespace WebApp.Loading;

/// <summary>
/// Puts each page load's loader timings where people look: a <c>Server-Timing</c> response header
/// (the browser's network panel shows it) and the request's log line (<c>Loaders</c> property).
/// </summary>
public sealed class RequestLoadTimings(IHttpContextAccessor http, IDiagnosticContext diagnostics) : ILoadGroupObserver
{
    public void OnLoaderStarted(LoaderStarted loader)
    {
    }

    public void OnLoaderEnded(LoaderStarted loader, LoaderTiming timing)
    {
    }

    public void OnGroupCompleted(PageLoad load)
    {
        diagnostics.Set("Loaders", load.Loaders.Select(l => new { l.Name, DurationMs = Math.Round(l.Duration.TotalMilliseconds, 2), Outcome = Outcomes.Name(l.Outcome) }), destructureObjects: true);
        diagnostics.Set("LoadMs", Math.Round(load.Duration.TotalMilliseconds, 2));

        var response = http.HttpContext?.Response;
        if (response is null || response.HasStarted)
        {
            return;
        }

        response.Headers.Append("Server-Timing", ServerTiming(load));
    }

    /// <summary><c>name;dur=ms;desc="outcome"</c> per loader, then the whole load.</summary>
    public static string ServerTiming(PageLoad load)
    {
        var header = new StringBuilder();
        foreach (var loader in load.Loaders)
        {
            header.Append(CultureInfo.InvariantCulture, $"{loader.Name};dur={loader.Duration.TotalMilliseconds:0.##};desc=\"{Outcomes.Name(loader.Outcome)}\", ");
        }

        header.Append(CultureInfo.InvariantCulture, $"load;dur={load.Duration.TotalMilliseconds:0.##};desc=\"{load.Page}\"");
        return header.ToString();
    }
}
