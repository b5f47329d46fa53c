using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using WebApp.Loading;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// A test-only outermost middleware (an <see cref="IStartupFilter"/> added to the test host's services): when a
/// request has gone through the whole pipeline it records which loaders were still in flight. A page must never
/// answer while one of its loaders runs (LoadGroup R3), so for requests that do not overlap the list is empty.
/// </summary>
public sealed class RequestEndProbe : IStartupFilter
{
    public ConcurrentQueue<EndedRequest> Ended { get; } = new();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var registry = app.ApplicationServices.GetRequiredService<InFlightRegistry>();
        app.Use(async (HttpContext context, RequestDelegate pipeline) =>
        {
            try
            {
                await pipeline(context);
            }
            finally
            {
                Ended.Enqueue(new EndedRequest(context.Request.Path + context.Request.QueryString, context.Response.StatusCode, registry.Running));
            }
        });
        next(app);
    };

    public sealed record EndedRequest(string Url, int Status, IReadOnlyList<LoaderStarted> InFlight);
}
