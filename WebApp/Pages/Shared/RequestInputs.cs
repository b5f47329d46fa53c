namespace WebApp.Pages.Shared;

/// <summary>
/// A page handler's inputs, read from the request: handlers take no parameters. MVC's model binding builds a binding
/// context, a validation visitor and model-state entries for each parameter (the <see cref="CancellationToken"/>
/// too), which was 3.0 of the 63.4 KB a profile request allocated under load; these give the values binding gave.
/// The request's token is <c>HttpContext.RequestAborted</c>, what binding passed for a <see cref="CancellationToken"/>
/// parameter: the request-timeouts middleware has made it the deadline's.
/// </summary>
public static class RequestInputs
{
    /// <summary>A value that the page's route template requires; its constraint has already checked the value's shape.</summary>
    public static string Route(HttpContext context, string name) =>
        context.GetRouteValue(name) as string ?? throw new InvalidOperationException($"The route has no value '{name}'.");

    /// <summary>The query string's first value for <paramref name="name"/>; null when there is none or it is only white space.</summary>
    public static string? Query(HttpRequest request, string name)
    {
        var values = request.Query[name];
        return values.Count > 0 && !string.IsNullOrWhiteSpace(values[0]) ? values[0] : null;
    }
}
