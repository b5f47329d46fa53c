using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace WebApp.Pages;

/// <summary>What the error page says: the status and a sentence for a visitor.</summary>
public sealed record ErrorView(int Status, string Title, string Explanation);

/// <summary>
/// The one error page, re-executed for error status codes and unhandled exceptions. It reads only the
/// status (never the exception), so no stack trace or connection string can reach a visitor.
/// </summary>
[IgnoreAntiforgeryToken]
[ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
public sealed class ErrorModel : PageModel
{
    public ErrorView View { get; private set; } = null!;

    // Not OnGet: re-executed, the page keeps the failed request's method (POST, TRACE, PROPFIND...), and
    // this runs for every method, with or without a handler.
    public override void OnPageHandlerExecuting(PageHandlerExecutingContext context) => Describe();

    // A handler for OPTIONS, or Razor Pages answers it with an empty 200 and the page never renders.
    public void OnOptions()
    {
    }

    private void Describe()
    {
        // Visited directly, /error is just a page that does not exist.
        var reExecuted = HttpContext.Features.Get<IStatusCodeReExecuteFeature>() is not null
            || HttpContext.Features.Get<IExceptionHandlerFeature>() is not null;
        var status = reExecuted ? Response.StatusCode : StatusCodes.Status404NotFound;
        var (title, explanation) = status switch
        {
            400 => ("Bad request", "Something in the address is not valid. Check the link and try again."),
            404 => ("Page not found", "There is no page at this address. The user or post may not exist."),
            405 => ("Method not allowed", "This address can only be read: the site answers GET and HEAD requests here."),
            503 => ("Temporarily unavailable", "The site cannot reach its database right now. Please try again in a moment."),
            504 => ("This page took too long", "The page could not be loaded before its deadline. Please try again in a moment."),
            >= 500 => ("Something went wrong", "The page could not be loaded. The error has been logged; please try again later."),
            _ => ("Request not accepted", "The server could not accept this request."),
        };
        Response.StatusCode = status;
        View = new ErrorView(status, title, explanation);
    }
}
