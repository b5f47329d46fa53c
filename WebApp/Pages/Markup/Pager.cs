using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace WebApp.Pages.Markup;

/// <summary>
/// Which page of a list is shown, and the links around it. It writes its own navigation (<c>@view.Pager</c> in a
/// view), nothing when the list has one page: a partial view would cost more in view machinery than its markup
/// (RenderBenchmarks).
/// </summary>
public sealed record Pager(int Page, int PageSize, long TotalItems, string Path, IReadOnlyList<KeyValuePair<string, string?>> Query) : IHtmlContent
{
    public Pager(int page, int pageSize, long totalItems, string path)
        : this(page, pageSize, totalItems, path, [])
    {
    }

    /// <summary>The link to another page of the same list; page 1 has no page parameter.</summary>
    public string Href(int page) =>
        Path + QueryString.Create(page == 1 ? Query : [.. Query, new("page", page.ToString(CultureInfo.InvariantCulture))]);

    public int TotalPages => (int)Math.Max(1, (TotalItems + PageSize - 1) / PageSize);
    public bool HasPrevious => Page > 1;
    public bool HasNext => Page < TotalPages;

    /// <summary>A page past the last one does not exist (page 1 always does, even when empty).</summary>
    public bool IsPastEnd => Page > TotalPages;

    public void WriteTo(TextWriter writer, HtmlEncoder encoder)
    {
        if (TotalPages <= 1)
        {
            return;
        }

        // White space between the links and the position, as between inline elements in markup: it shows as a space.
        writer.Write("<nav class=\"pager\" aria-label=\"Pages\">");
        if (HasPrevious)
        {
            writer.Write("\n<a rel=\"prev\" href=\"");
            encoder.Encode(writer, Href(Page - 1));
            writer.Write("\">← Newer</a>");
        }

        writer.Write("\n<span class=\"pager-position\">Page ");
        writer.Write(Page.ToString(CultureInfo.InvariantCulture));
        writer.Write(" of ");
        writer.Write(TotalPages.ToString(CultureInfo.InvariantCulture));
        writer.Write("</span>");
        if (HasNext)
        {
            writer.Write("\n<a rel=\"next\" href=\"");
            encoder.Encode(writer, Href(Page + 1));
            writer.Write("\">Older →</a>");
        }

        writer.Write("\n</nav>");
    }
}
