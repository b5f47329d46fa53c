namespace WebApp.Pages.Shared;

/// <summary>Which page of a list is shown, and the links around it.</summary>
public sealed record Pager(int Page, int PageSize, long TotalItems, string Path, IReadOnlyList<KeyValuePair<string, string?>> Query)
{
    public Pager(int page, int pageSize, long totalItems, string path)
        : this(page, pageSize, totalItems, path, [])
    {
    }

    /// <summary>The link to another page of the same list; page 1 has no page parameter.</summary>
    public string Href(int page) =>
        Path + QueryString.Create(page == 1 ? Query : [.. Query, new("page", page.ToString(System.Globalization.CultureInfo.InvariantCulture))]);

    public int TotalPages => (int)Math.Max(1, (TotalItems + PageSize - 1) / PageSize);
    public bool HasPrevious => Page > 1;
    public bool HasNext => Page < TotalPages;

    /// <summary>A page past the last one does not exist (page 1 always does, even when empty).</summary>
    public bool IsPastEnd => Page > TotalPages;
}

/// <summary>Parses the <c>page</c> query value: absent is 1; anything but a positive integer is invalid.</summary>
public static class PageNumber
{
    public const int Max = 100_000;

    public static bool TryParse(string? value, out int page)
    {
        page = 1;
        if (value is null)
        {
            return true;
        }

        return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out page)
            && page is >= 1 and <= Max;
    }
}
