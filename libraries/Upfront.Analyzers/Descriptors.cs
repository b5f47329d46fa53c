using Microsoft.CodeAnalysis;

namespace Upfront.Analyzers;

/// <summary>
/// The Upfront rules, in one place so that IDs, titles and messages stay consistent. Every rule is an error by default:
/// each one guards a promise the libraries make at run time (nothing runs after the request, no I/O while rendering).
/// </summary>
public static class Descriptors
{
    /// <summary>The category of every Upfront rule, for <c>[SuppressMessage("Upfront", "UPF001")]</c>.</summary>
    public const string Category = "Upfront";

    private const string OptOut =
        " To opt out in one place, use '#pragma warning disable {0} // reason' or [SuppressMessage(\"Upfront\", \"{0}\")];"
        + " for a whole project or folder, 'dotnet_diagnostic.{0}.severity = none' in .editorconfig.";

    /// <summary>UPF001: a call inside a loader body that does not get the loader's token.</summary>
    public static readonly DiagnosticDescriptor LoaderPassesToken = Create(
        "UPF001",
        "A loader passes its token on",
        "{0} calls '{1}' {2}",
        "A loader's CancellationToken fires at the request's deadline, when the client leaves, and when a sibling required"
        + " loader fails. A call that does not get it keeps running after the page has given up, holding a connection or a"
        + " thread. Pass the loader's own token parameter to every call that takes one, and use the overload that takes one"
        + " where there is one. Only lambdas and anonymous methods passed straight to Required, Optional or Query are"
        + " checked, and only a direct use of the token parameter counts as passing it.");

    /// <summary>UPF002: a loader's value read before the group has finished.</summary>
    public static readonly DiagnosticDescriptor ReadAfterWait = Create(
        "UPF002",
        "Read a loader's value after the group's WaitAsync",
        "'{0}' of a loader is read {1}",
        "A loader's Value, ValueOrDefault and IsDegraded are only settled once the group's WaitAsync has completed; before"
        + " then Value throws and the others answer too early. A loader body must not read a sibling's value at all: the"
        + " loaders run side by side. The check is textual and flow-insensitive: a read counts as safe when an awaited"
        + " LoadGroup.WaitAsync() ends before it in the same member, so a helper method that is handed a Loader<T> is reported.");

    /// <summary>UPF003: a load group whose loaders nobody waits for.</summary>
    public static readonly DiagnosticDescriptor GroupAwaited = Create(
        "UPF003",
        "A load group is awaited",
        "The load group '{0}' is created here but its WaitAsync is never called",
        "A LoadGroup that is never awaited leaves its loaders' results unread and their failures unseen, and disposing it"
        + " cancels whatever is still running. Call WaitAsync on the group in the method that creates it, or hand it on by"
        + " returning it or storing it in a field or property.");

    /// <summary>UPF100: I/O reachable from a view, a tag helper or a view component.</summary>
    public static readonly DiagnosticDescriptor NoIoWhileRendering = Create(
        "UPF100",
        "No I/O while rendering",
        "{0} uses '{1}', which does I/O, while rendering: load it in the page handler with a LoadGroup",
        "Rendering runs after the page's loaders have finished and must not start I/O of its own: a database query, an HTTP"
        + " call, a file or a socket in a view, a tag helper or a view component runs one request at a time, outside the"
        + " deadline and the loaders' concurrency. Load the data in the handler and pass it in the model. The types are"
        + " matched by name; when they are not referenced the rule does nothing.");

    /// <summary>UPF101: a view that awaits something other than Razor's own rendering calls.</summary>
    public static readonly DiagnosticDescriptor ViewsRenderSynchronously = Create(
        "UPF101",
        "Views render synchronously",
        "The view awaits '{0}', which is not one of ASP.NET Core's rendering calls: load the data before rendering",
        "A view may await ASP.NET Core's own rendering calls (RenderSectionAsync, RenderBodyAsync, PartialAsync,"
        + " Component.InvokeAsync, the tag helper runner) but nothing else: any other await in a view is work that"
        + " belongs in the page handler's LoadGroup.");

    /// <summary>UPF102: an asynchronous entry point on a view component or a tag helper.</summary>
    public static readonly DiagnosticDescriptor RenderEntryPointsSynchronous = Create(
        "UPF102",
        "Render entry points are synchronous",
        "{0} '{1}' has an asynchronous entry point '{2}': implement {3} instead",
        "A view component's InvokeAsync and a tag helper's ProcessAsync let I/O into rendering. Implement Invoke or Process,"
        + " and take what they show from the model that the page handler loaded.");

    private static DiagnosticDescriptor Create(string id, string title, string message, string description) =>
        new(
            id,
            title,
            message,
            Category,
            DiagnosticSeverity.Error,
            isEnabledByDefault: true,
            description: description + string.Format(System.Globalization.CultureInfo.InvariantCulture, OptOut, id));
}
