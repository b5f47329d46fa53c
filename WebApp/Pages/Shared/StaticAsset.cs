using Microsoft.AspNetCore.Components;

namespace WebApp.Pages.Shared;

/// <summary>
/// The URL of a file under <c>wwwroot</c> with its content's fingerprint (<c>/css/site.e87fxuaaqt.css</c>), from the
/// manifest that <c>MapStaticAssets</c> serves (each page endpoint carries it: <c>WithStaticAssets</c>), so a browser
/// may cache it for a year and still sees a new file at once. The same URL the link tag helper writes with
/// <c>asp-append-version</c>, without a tag helper per link on every page (RenderBenchmarks). A request outside a page endpoint gets the file's plain path, which is served too.
/// </summary>
public static class StaticAsset
{
    public static string Url(HttpContext context, string path) =>
        Url(context.GetEndpoint()?.Metadata.GetMetadata<ResourceAssetCollection>(), path);

    /// <summary><paramref name="path"/>'s URL in <paramref name="assets"/>, or its plain path when there are none.</summary>
    public static string Url(ResourceAssetCollection? assets, string path) => "/" + (assets is null ? path : assets[path]);
}
