namespace WebApp.Pages.Shared;

/// <summary>A user's card: the profile's header and a post's author.</summary>
public sealed record UserCard(int Id, string Handle, string DisplayName, string Bio, string Location, string Website, DateTime JoinedAt)
{
    /// <summary>The website as a link target only when it is plain http(s); anything else is shown as text.</summary>
    public string? WebsiteHref =>
        Uri.TryCreate(Website, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri.AbsoluteUri
            : null;

    public Avatar Avatar => Avatar.For(Handle, DisplayName);
}
