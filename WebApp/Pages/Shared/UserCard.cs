using Microsoft.EntityFrameworkCore;
using WebApp.Data;
using WebApp.Pages.Markup;

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

    /// <summary>The card of the user with <paramref name="handle"/>, or null.</summary>
    public static Task<UserCard?> LoadAsync(AppDbContext db, string handle, CancellationToken cancellationToken) =>
        ByHandle.For(db)(db, handle, cancellationToken);

    private static readonly CompiledQuery<Func<AppDbContext, string, CancellationToken, Task<UserCard?>>> ByHandle =
        new(() => EF.CompileAsyncQuery((AppDbContext db, string handle, CancellationToken ct) =>
            db.Users
                .Where(u => u.Handle == handle)
                .Select(u => new UserCard(u.Id, u.Handle, u.DisplayName, u.Bio, u.Location, u.Website, u.JoinedAt))
                .FirstOrDefault()));
}
