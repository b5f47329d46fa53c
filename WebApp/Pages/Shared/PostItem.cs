using WebApp.Pages.Markup;

namespace WebApp.Pages.Shared;

/// <summary>A post in one author's list (the profile's posts, a post page's "more from").</summary>
public sealed record PostItem(int Id, string Title, string Body, DateTime PublishedAt, int LikeCount)
{
    public ExcerptHtml Excerpt => new(Body);
}
