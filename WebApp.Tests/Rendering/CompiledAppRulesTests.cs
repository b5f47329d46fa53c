using System.Reflection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Razor;
using Microsoft.AspNetCore.Mvc.Razor.Internal;
using Microsoft.AspNetCore.Razor.TagHelpers;

namespace WebApp.Tests.Rendering;

/// <summary>Rules checked over the compiled application: the ways a view could reach for I/O.</summary>
public sealed class CompiledAppRulesTests
{
    private static readonly Assembly App = typeof(Program).Assembly;

    /// <summary>What Razor injects into every view by default: helpers, no data access.</summary>
    private static readonly HashSet<Type> AllowedInjections =
    [
        typeof(Microsoft.AspNetCore.Mvc.ViewFeatures.IModelExpressionProvider),
        typeof(Microsoft.AspNetCore.Mvc.IUrlHelper),
        typeof(Microsoft.AspNetCore.Mvc.IViewComponentHelper),
        typeof(Microsoft.AspNetCore.Mvc.Rendering.IJsonHelper),
    ];

    [Fact]
    public void Views_OfTheApp_InjectNoServiceOutsideTheAllowList()
    {
        var views = App.GetTypes().Where(t => typeof(RazorPageBase).IsAssignableFrom(t) && !t.IsAbstract).ToList();
        Assert.NotEmpty(views);

        var injected = views
            .SelectMany(view => view.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
                .Where(p => p.IsDefined(typeof(RazorInjectAttribute)) && p.DeclaringType?.Assembly == App)
                .Where(p => !AllowedInjections.Contains(p.PropertyType) && !IsHtmlHelper(p.PropertyType))
                .Select(p => $"{view.FullName}: @inject {p.PropertyType.Name} {p.Name}"))
            .ToList();

        Assert.True(injected.Count == 0, "Views must read their view model only:\n" + string.Join('\n', injected));
    }

    [Fact]
    public void ViewComponents_OfTheApp_HaveNoAsyncEntryPoint()
    {
        Assert.Empty(AsyncViewComponents(App.GetTypes()));
    }

    [Fact]
    public void ViewComponentRule_GivenAnAsyncViewComponent_ReportsIt()
    {
        // The rule itself, run on a planted violation (the app has no view components: a rule that scans nothing must still bite).
        Assert.Equal([typeof(AsyncViewComponent).FullName], AsyncViewComponents([typeof(AsyncViewComponent), typeof(SyncViewComponent), typeof(string)]));
    }

    [Fact]
    public void TagHelpers_OfTheApp_DoNotOverrideProcessAsync()
    {
        Assert.Empty(AsyncTagHelpers(App.GetTypes()));
    }

    [Fact]
    public void TagHelperRule_GivenATagHelperOverridingProcessAsync_ReportsIt()
    {
        // The rule itself, run on a planted violation and on a conforming tag helper.
        Assert.Equal([typeof(AsyncTagHelper).FullName], AsyncTagHelpers([typeof(AsyncTagHelper), typeof(SyncTagHelper), typeof(string)]));
    }

    /// <summary>View components with an async entry point (they could await I/O while the page renders).</summary>
    private static List<string?> AsyncViewComponents(IEnumerable<Type> types) =>
    [
        .. types
            .Where(t => typeof(ViewComponent).IsAssignableFrom(t) || t.IsDefined(typeof(ViewComponentAttribute)) || t.Name.EndsWith("ViewComponent", StringComparison.Ordinal))
            .Where(t => t.GetMethod("InvokeAsync") is not null)
            .Select(t => t.FullName),
    ];

    /// <summary>Tag helpers (and tag helper components) whose own code overrides ProcessAsync.</summary>
    private static List<string?> AsyncTagHelpers(IEnumerable<Type> types) =>
    [
        .. types
            .Where(t => typeof(ITagHelperComponent).IsAssignableFrom(t) && !t.IsAbstract)
            .Where(t => t.GetMethod(nameof(TagHelper.ProcessAsync))?.DeclaringType is { } declaring && declaring.Assembly == t.Assembly && declaring != typeof(TagHelper) && declaring != typeof(TagHelperComponent))
            .Select(t => t.FullName),
    ];

    private static bool IsHtmlHelper(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Microsoft.AspNetCore.Mvc.Rendering.IHtmlHelper<>);

    private sealed class AsyncTagHelper : TagHelper
    {
        public override Task ProcessAsync(TagHelperContext context, TagHelperOutput output) => Task.CompletedTask;
    }

    private sealed class SyncTagHelper : TagHelper
    {
        public override void Process(TagHelperContext context, TagHelperOutput output)
        {
        }
    }

    private sealed class AsyncViewComponent : ViewComponent
    {
        public Task<string> InvokeAsync() => Task.FromResult("");
    }

    private sealed class SyncViewComponent : ViewComponent
    {
        public string Invoke() => "";
    }
}
