using Microsoft.AspNetCore.Mvc.RazorPages;
using WebApp.Data;

namespace WebApp.Hosting;

/// <summary>
/// Until the start-up work on the database is done (<see cref="DatabaseState"/>), a page answers 503, rendered by
/// the status-code pages as the site's error page: a visitor sees "try again", never a failed query's 500.
/// Health endpoints and static files pass; so does the error page itself.
/// </summary>
public static class DatabaseGate
{
    public static IApplicationBuilder UseDatabaseGate(this IApplicationBuilder app)
    {
        var state = app.ApplicationServices.GetRequiredService<DatabaseState>();
        return app.Use((context, next) =>
        {
            if (!state.Initialized
                && context.GetEndpoint()?.Metadata.GetMetadata<PageActionDescriptor>() is { } page
                && page.ViewEnginePath != "/Error")
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return Task.CompletedTask;
            }

            return next(context);
        });
    }
}
