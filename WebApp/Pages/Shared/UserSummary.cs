using WebApp.Pages.Markup;

namespace WebApp.Pages.Shared;

/// <summary>A user as listed on the home page, the directory and profiles.</summary>
public sealed record UserSummary(string Handle, string DisplayName, string Location, int Followers)
{
    public Avatar Avatar => Avatar.For(Handle, DisplayName);
}
