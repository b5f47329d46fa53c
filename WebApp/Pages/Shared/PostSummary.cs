using WebApp.Pages.Markup;

namespace WebApp.Pages.Shared;

/// <summary>A post as listed with its author.</summary>
public sealed record PostSummary(int Id, string AuthorHandle, string AuthorName, string Title, string Body, DateTime PublishedAt, int LikeCount)
{
    /// <summary>Lists load only this many characters of a body: enough for an excerpt.</summary>
    public const int ExcerptSource = 200;

    public ExcerptHtml Excerpt => new(Body);
}
