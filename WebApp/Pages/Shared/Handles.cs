using WebApp.Data;

namespace WebApp.Pages.Shared;

/// <summary>What a handle may look like: 1–30 of a–z, 0–9 and underscore.</summary>
public static class Handles
{
    /// <summary>The route-constraint name: <c>{handle:handle}</c>.</summary>
    public const string ConstraintName = "handle";

    public static bool IsValid(string? handle) =>
        handle is { Length: > 0 and <= Limits.HandleMaxLength } && handle.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');
}

/// <summary>
/// Routes only well-formed handles to a page, so a hostile path segment never reaches a PageModel:
/// anything else falls through to the 404 page.
/// </summary>
public sealed class HandleRouteConstraint : IRouteConstraint
{
    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value) && Handles.IsValid(value as string);
}
