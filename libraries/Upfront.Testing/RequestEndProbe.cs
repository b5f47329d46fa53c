using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Upfront.Loading;

namespace Upfront.Testing;

/// <summary>
/// The outermost middleware of a test host (add it to the host's services as an <see cref="IStartupFilter"/>): when a
/// request has gone through the whole pipeline it records which loaders were still in flight. A page must never answer
/// while one of its loaders runs, so for requests that do not overlap the list is empty; <see cref="LeakCheck"/> says
/// which request broke that.
/// </summary>
public sealed class RequestEndProbe : IStartupFilter
{
    /// <summary>Every request that ended, in order.</summary>
    public ConcurrentQueue<EndedRequest> Ended { get; } = new();

    /// <inheritdoc/>
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var registry = app.ApplicationServices.GetRequiredService<InFlightRegistry>();
        app.Use(async (HttpContext context, RequestDelegate pipeline) =>
        {
            try
            {
                await pipeline(context).ConfigureAwait(false);
            }
            finally
            {
                Ended.Enqueue(new EndedRequest(context.Request.Path + context.Request.QueryString, context.Response.StatusCode, registry.Running));
            }
        });
        next(app);
    };
}

/// <summary>A request as it ended.</summary>
/// <param name="Url">Its path and query.</param>
/// <param name="Status">The status it answered.</param>
/// <param name="InFlight">The loaders still running when it ended.</param>
public sealed record EndedRequest(string Url, int Status, IReadOnlyList<LoaderStarted> InFlight);
