using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;

namespace Upfront.Loading;

/// <summary>
/// Writes each page load's loader timings as a <c>Server-Timing</c> response header, which a browser's network panel
/// shows: <c>name;dur=ms;desc="outcome"</c> per loader, then <c>load;dur=ms;desc="page"</c> for the whole load.
/// Registered by <see cref="LoadingBuilder.AddServerTiming"/>. It tells a client how long each query took, so leave
/// it off where that is not for the public.
/// </summary>
public sealed class ServerTiming(IHttpContextAccessor http) : ILoadGroupObserver
{
    /// <inheritdoc/>
    public void OnGroupCompleted(PageLoad load)
    {
        if (http.HttpContext is { Response.HasStarted: false } context)
        {
            context.Response.Headers.Append("Server-Timing", Header(load));
        }
    }

    /// <summary>The header's value for <paramref name="load"/>.</summary>
    public static string Header(PageLoad load)
    {
        // Written into a stack buffer (growing into pooled arrays if ever needed): the header is the only string made.
        var header = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[512]);
        foreach (var loader in load.Loaders)
        {
            header.AppendFormatted(loader.Name);
            header.AppendLiteral(";dur=");
            header.AppendFormatted(loader.Duration.TotalMilliseconds, "0.##");
            header.AppendLiteral(";desc=\"");
            header.AppendFormatted(loader.Outcome.Name());
            header.AppendLiteral("\", ");
        }

        header.AppendLiteral("load;dur=");
        header.AppendFormatted(load.Duration.TotalMilliseconds, "0.##");
        header.AppendLiteral(";desc=\"");
        header.AppendFormatted(load.Page);
        header.AppendLiteral("\"");
        return header.ToStringAndClear();
    }
}
