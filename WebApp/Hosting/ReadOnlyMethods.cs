using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace WebApp.Hosting;

/// <summary>
/// Every page only reads, so it answers GET and HEAD; any other method gets 405 with <c>Allow: GET, HEAD</c>
/// before the page runs, and the status-code pages render it as the error page. Razor Pages alone would
/// run a page without a handler for, say, TRACE and fail on its missing view model. The error page,
/// re-executed for another request's status, is exempt: it renders whatever that request's method was.
/// </summary>
public static class ReadOnlyMethods
{
    public const string Allow = "GET, HEAD";

    /// <summary>Routing metadata for endpoints other than pages (health checks): routing answers 405 itself.</summary>
    public static readonly HttpMethodMetadata Metadata = new([HttpMethods.Get, HttpMethods.Head]);

    /// <summary>After routing (it reads the endpoint) and after the diagnostics gate (a hidden page stays 404).</summary>
    public static IApplicationBuilder UseGetAndHeadOnlyPages(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var method = context.Request.Method;
        if (HttpMethods.IsGet(method)
            || HttpMethods.IsHead(method)
            || context.GetEndpoint()?.Metadata.GetMetadata<PageActionDescriptor>() is null
            || context.Features.Get<IStatusCodeReExecuteFeature>() is not null
            || context.Features.Get<IExceptionHandlerFeature>() is not null)
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        context.Response.Headers.Allow = Allow;
        return Task.CompletedTask;
    });
}
