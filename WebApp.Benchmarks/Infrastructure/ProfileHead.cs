using Microsoft.AspNetCore.Components;
using WebApp.Pages;
using WebApp.Pages.Markup;
using WebApp.Pages.Shared;

namespace WebApp.Benchmarks.Infrastructure;

/// <summary>
/// What <c>Profile.cshtml</c> puts in view data for its layout (the title and the description's text), for the
/// peers that have no view data. The layout's own helper cuts the description, so all three engines share it.
/// </summary>
public static class ProfileHead
{
    public static string Title(ProfileView view) => $"{view.User.DisplayName} (@{view.User.Handle})";

    public static string Description(ProfileView view)
    {
        var user = view.User;
        var text = (view.Pager.Page > 1 ? $"Posts by {user.DisplayName} (@{user.Handle}), page {view.Pager.Page} of {view.Pager.TotalPages}. " : $"{user.DisplayName} (@{user.Handle}): ")
            + (user.Bio.Length > 0 ? user.Bio : $"{Formatting.Count(view.Stats.Posts)} posts, {Formatting.Count(view.Stats.Followers)} followers.");
        return PageDescription.ForText(text);
    }
}

/// <summary>
/// The layout's asset links as <see cref="StaticAsset.Url(HttpContext, string)"/> writes them, computed on every
/// render as the layout does. A benchmark render has no endpoint, so no static-asset manifest: the plain paths.
/// </summary>
public sealed class SiteAssets(ResourceAssetCollection? assets)
{
    public string Favicon => StaticAsset.Url(assets, "favicon.svg");

    public string Stylesheet => StaticAsset.Url(assets, "css/site.css");
}
