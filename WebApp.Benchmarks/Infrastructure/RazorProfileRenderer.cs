using System.Reflection;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.Razor;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.RazorPages.Infrastructure;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewEngines;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Routing;
using WebApp.Pages;
using WebApp.Pages.Markup;
using WebApp.Pages.Shared;

namespace WebApp.Benchmarks.Infrastructure;

/// <summary>
/// Renders <c>Pages/Profile.cshtml</c> (with its view starts, layout and partials) the way Razor Pages' invoker does
/// after <c>OnGetAsync</c> returned: a page context, the compiled page, and a <see cref="PageResult"/> executed by the
/// app's own <see cref="PageResultExecutor"/> into the response body. Each render gets a fresh request scope and
/// HttpContext, as a request would; nothing touches a database.
/// </summary>
internal sealed class RazorProfileRenderer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CompiledPageActionDescriptor _descriptor;
    private readonly Func<PageContext, ViewContext, object> _pageFactory;
    private readonly List<Func<IRazorPage>> _viewStarts = [];
    private readonly IModelMetadataProvider _metadata;
    private readonly ITempDataDictionaryFactory _tempData;
    private readonly IServiceScopeFactory _scopes;
    private readonly ICompositeViewEngine _viewEngine;

    private RazorProfileRenderer(WebApplication app, CompiledPageActionDescriptor descriptor)
    {
        _app = app;
        _descriptor = descriptor;
        var services = app.Services;
        _pageFactory = services.GetRequiredService<IPageFactoryProvider>().CreatePageFactory(descriptor);
        var pages = services.GetRequiredService<IRazorPageFactoryProvider>();
        // Nearest first in the invoker too, then reversed so the root view start runs first.
        foreach (var path in new[] { "/Pages/_ViewStart.cshtml", "/_ViewStart.cshtml" })
        {
            var result = pages.CreateFactory(path);
            if (result.Success)
            {
                _viewStarts.Insert(0, result.RazorPageFactory!);
            }
        }

        _metadata = services.GetRequiredService<IModelMetadataProvider>();
        _tempData = services.GetRequiredService<ITempDataDictionaryFactory>();
        _scopes = services.GetRequiredService<IServiceScopeFactory>();
        _viewEngine = services.GetRequiredService<ICompositeViewEngine>();
    }

    public static async Task<RazorProfileRenderer> CreateAsync()
    {
        var app = AppHost.Build();
        var page = app.Services.GetRequiredService<IActionDescriptorCollectionProvider>().ActionDescriptors.Items
            .OfType<PageActionDescriptor>()
            .Single(d => d.ViewEnginePath == "/Profile");
        var compiled = await app.Services.GetRequiredService<PageLoader>().LoadAsync(page, EndpointMetadataCollection.Empty);
        return new RazorProfileRenderer(app, compiled);
    }

    /// <summary>A page model holding <paramref name="view"/>, as OnGetAsync leaves it (View has a private setter).</summary>
    public ProfileModel Model(ProfileView view)
    {
        var model = ActivatorUtilities.CreateInstance<ProfileModel>(_app.Services);
        typeof(ProfileModel).GetProperty(nameof(ProfileModel.View), BindingFlags.Public | BindingFlags.Instance)!.SetValue(model, view);
        return model;
    }

    public async Task RenderAsync(ProfileModel model, Stream body)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Response.Body = body;
        var routeData = new RouteData();
        routeData.Values["page"] = "/Profile";
        var pageContext = new PageContext(new ActionContext(http, routeData, _descriptor))
        {
            ActionDescriptor = _descriptor, // PageContext keeps its own typed copy; the base constructor does not set it
            ViewData = new ViewDataDictionary<ProfileModel>(_metadata, new ModelStateDictionary()) { Model = model },
            ViewStartFactories = _viewStarts,
        };
        var viewContext = new ViewContext(pageContext, NoView.Instance, pageContext.ViewData, _tempData.GetTempData(http), TextWriter.Null, new HtmlHelperOptions())
        {
            ExecutingFilePath = _descriptor.RelativePath,
        };
        var page = (PageBase)_pageFactory(pageContext, viewContext);
        await new PageResult { Page = page, ViewData = pageContext.ViewData }.ExecuteResultAsync(pageContext);
    }

    /// <summary>Renders one partial of the profile (a "section") to a string, as the parallel-sections anti-pattern does.</summary>
    public async Task<string> RenderPartialAsync<TModel>(string path, TModel model)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        var routeData = new RouteData();
        routeData.Values["page"] = "/Profile";
        var actionContext = new ActionContext(http, routeData, _descriptor);
        var view = _viewEngine.GetView(executingFilePath: null, viewPath: path, isMainPage: false).EnsureSuccessful([]).View!;
        await using var writer = new StringWriter();
        var viewData = new ViewDataDictionary<TModel>(_metadata, new ModelStateDictionary()) { Model = model };
        var viewContext = new ViewContext(actionContext, view, viewData, _tempData.GetTempData(http), writer, new HtmlHelperOptions());
        await view.RenderAsync(viewContext);
        return writer.ToString();
    }

    /// <summary>The profile's sections: announcement, the posts in lists of ten (a partial each), the pager.</summary>
    public IReadOnlyList<Func<Task<string>>> Sections(ProfileView view)
    {
        var sections = new List<Func<Task<string>>> { () => Task.FromResult(Html(AnnouncementMarkup.For(view.Announcement))) };
        foreach (var chunk in view.Posts.Chunk(10))
        {
            sections.Add(() => RenderPartialAsync("/Pages/Shared/_PostList.cshtml", new PostListModel(view.User.Handle, chunk)));
        }

        sections.Add(() => Task.FromResult(Html(view.Pager)));
        return sections;
    }

    private static string Html(IHtmlContent content)
    {
        using var writer = new StringWriter();
        content.WriteTo(writer, HtmlEncoder.Default);
        return writer.ToString();
    }

    public IServiceProvider Services => _app.Services;

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    // The invoker's placeholder view until the executor sets the real one.
    private sealed class NoView : IView
    {
        public static readonly NoView Instance = new();

        public string Path => "";

        public Task RenderAsync(ViewContext context) => Task.CompletedTask;
    }
}
