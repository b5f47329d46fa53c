namespace WebApp.Pages.Shared;

/// <summary>The model of <c>_PostList</c>: one author's posts.</summary>
public sealed record PostListModel(string AuthorHandle, IReadOnlyList<PostItem> Posts);
