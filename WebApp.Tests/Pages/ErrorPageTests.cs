using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.RazorPages;
using WebApp.Pages;

namespace WebApp.Tests.Pages;

/// <summary>
/// The error page's model on its own: what it says for each status it is re-executed with, and that visited directly it
/// is a 404. The pages that lead to each status are tested end to end elsewhere (PageFaultTests, HttpMethodTests,
/// DatabaseAvailabilityTests, the snapshots).
/// </summary>
public sealed class ErrorPageTests
{
    [Theory]
    [InlineData(400, "Bad request", "Something in the address is not valid")]
    [InlineData(404, "Page not found", "There is no page at this address")]
    [InlineData(405, "Method not allowed", "the site answers GET and HEAD requests here")]
    [InlineData(503, "Temporarily unavailable", "cannot reach its database")]
    [InlineData(504, "This page took too long", "before its deadline")]
    [InlineData(500, "Something went wrong", "The error has been logged")]
    [InlineData(502, "Something went wrong", "The error has been logged")]
    [InlineData(599, "Something went wrong", "The error has been logged")]
    [InlineData(413, "Request not accepted", "could not accept this request")]
    [InlineData(499, "Request not accepted", "could not accept this request")]
    public void ReExecutedForAStatus_DescribesItAndKeepsIt(int status, string title, string explanation)
    {
        var (model, context) = Error(status, reExecuted: true);

        model.OnPageHandlerExecuting(null!);

        Assert.Equal(status, model.View.Status);
        Assert.Equal(title, model.View.Title);
        Assert.Contains(explanation, model.View.Explanation, StringComparison.Ordinal);
        Assert.Equal(status, context.Response.StatusCode);
    }

    [Fact]
    public void ReExecutedForAnException_IsA500()
    {
        var (model, context) = Error(500, reExecuted: false);
        context.Features.Set<IExceptionHandlerFeature>(new ExceptionHandlerFeature { Error = new InvalidOperationException("secret") });

        model.OnPageHandlerExecuting(null!);

        Assert.Equal((500, "Something went wrong"), (model.View.Status, model.View.Title));
        Assert.DoesNotContain("secret", model.View.Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(500)]
    public void VisitedDirectly_IsANotFoundPage(int statusBefore)
    {
        var (model, context) = Error(statusBefore, reExecuted: false);

        model.OnPageHandlerExecuting(null!);

        Assert.Equal((404, "Page not found"), (model.View.Status, model.View.Title));
        Assert.Equal(404, context.Response.StatusCode);
    }

    private static (ErrorModel Model, HttpContext Context) Error(int status, bool reExecuted)
    {
        var context = new DefaultHttpContext();
        context.Response.StatusCode = status;
        if (reExecuted)
        {
            context.Features.Set<IStatusCodeReExecuteFeature>(new StatusCodeReExecuteFeature { OriginalPath = "/u/x" });
        }

        return (new ErrorModel { PageContext = new PageContext { HttpContext = context } }, context);
    }
}
