using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.WebUtilities;
using RazorSlices;
using WebApp.Benchmarks.Components;
using WebApp.Benchmarks.Slices;
using WebApp.Pages;

namespace WebApp.Benchmarks.Infrastructure;

/// <summary>
/// The profile page from one <see cref="ProfileView"/> by three view engines, each into a response body stream:
/// the app's Razor Pages view (<see cref="RazorProfileRenderer"/>), the <see cref="ProfilePage"/> component tree
/// rendered statically by <see cref="HtmlRenderer"/> (the engine behind Blazor's static server rendering), and the
/// <see cref="ProfileSlice"/> RazorSlices template. Each engine gets what a request would give it: Razor Pages and
/// the component renderer a request scope of the app's services (the component renderer is per request, like
/// Blazor's), RazorSlices only the app's <see cref="HtmlEncoder"/>. <c>RenderEngineTests</c> holds that all
/// three write the same HTML; <c>RenderBenchmarks</c> measures them.
/// </summary>
public sealed class ProfileRenderEngines : IAsyncDisposable
{
    private readonly RazorProfileRenderer _razor;
    private readonly IServiceScopeFactory _scopes;
    private readonly ILoggerFactory _loggers;
    private readonly HtmlEncoder _encoder;
    private readonly SiteAssets _assets;

    private ProfileRenderEngines(RazorProfileRenderer razor)
    {
        _razor = razor;
        var services = razor.Services;
        _scopes = services.GetRequiredService<IServiceScopeFactory>();
        _loggers = services.GetRequiredService<ILoggerFactory>();
        _encoder = services.GetRequiredService<HtmlEncoder>();
        _assets = new SiteAssets(assets: null);
    }

    public static async Task<ProfileRenderEngines> CreateAsync() => new(await RazorProfileRenderer.CreateAsync());

    /// <summary>The Razor Pages view's input: a page model holding the view, as OnGetAsync leaves it.</summary>
    public ProfileModel PageModel(ProfileView view) => _razor.Model(view);

    public Task RazorPageAsync(ProfileModel model, Stream body) => _razor.RenderAsync(model, body);

    public async Task RazorComponentAsync(ProfileView view, Stream body)
    {
        await using var scope = _scopes.CreateAsyncScope();
        await using var renderer = new HtmlRenderer(scope.ServiceProvider, _loggers);
        await using var writer = new HttpResponseStreamWriter(body, Encoding.UTF8);
        var parameters = ParameterView.FromDictionary(new Dictionary<string, object?>
        {
            [nameof(ProfilePage.View)] = view,
            [nameof(ProfilePage.SiteAssets)] = _assets,
        });
        await renderer.Dispatcher.InvokeAsync(async () => (await renderer.RenderComponentAsync<ProfilePage>(parameters)).WriteHtmlTo(writer));
        await writer.FlushAsync();
    }

    public async Task RazorSliceAsync(ProfileView view, Stream body) =>
        await ProfileSlice.Create(new ProfileSliceModel(view, _assets)).RenderAsync(body, _encoder);

    /// <summary>The page as each engine renders it, in UTF-8 text: Razor Pages view, Razor component, RazorSlices.</summary>
    public async Task<IReadOnlyList<(string Engine, string Html)>> RenderAllAsync(ProfileView view)
    {
        var model = PageModel(view);
        return
        [
            ("Razor Pages view", await TextAsync(body => RazorPageAsync(model, body))),
            ("Razor component", await TextAsync(body => RazorComponentAsync(view, body))),
            ("RazorSlices", await TextAsync(body => RazorSliceAsync(view, body))),
        ];
    }

    public ValueTask DisposeAsync() => _razor.DisposeAsync();

    private static async Task<string> TextAsync(Func<Stream, Task> render)
    {
        using var body = new MemoryStream();
        await render(body);
        return Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length);
    }
}
