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
    public void Views_InjectNoServiceOutsideTheAllowList()
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
    public void ViewComponents_HaveNoAsyncEntryPoint()
    {
        var asyncComponents = App.GetTypes()
            .Where(t => typeof(ViewComponent).IsAssignableFrom(t) || t.IsDefined(typeof(ViewComponentAttribute)) || t.Name.EndsWith("ViewComponent", StringComparison.Ordinal))
            .Where(t => t.GetMethod("InvokeAsync") is not null)
            .Select(t => t.FullName);

        Assert.Empty(asyncComponents);
    }

    [Fact]
    public void TagHelpers_OfTheApp_DoNotOverrideProcessAsync()
    {
        var asyncTagHelpers = App.GetTypes()
            .Where(t => typeof(ITagHelperComponent).IsAssignableFrom(t) && !t.IsAbstract)
            .Where(t => t.GetMethod(nameof(TagHelper.ProcessAsync))?.DeclaringType is { } declaring && declaring.Assembly == App)
            .Select(t => t.FullName);

        Assert.Empty(asyncTagHelpers);
    }

    [Fact]
    public void Rules_AppliedToATestAssemblyType_WouldCatchAnAsyncTagHelper()
    {
        // The rule's own check, pointed at a type that breaks it: it must not be vacuous.
        var method = typeof(AsyncTagHelper).GetMethod(nameof(TagHelper.ProcessAsync));

        Assert.Equal(typeof(AsyncTagHelper), method!.DeclaringType);
    }

    private static bool IsHtmlHelper(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Microsoft.AspNetCore.Mvc.Rendering.IHtmlHelper<>);

    private sealed class AsyncTagHelper : TagHelper
    {
        public override Task ProcessAsync(TagHelperContext context, TagHelperOutput output) => Task.CompletedTask;
    }
}
