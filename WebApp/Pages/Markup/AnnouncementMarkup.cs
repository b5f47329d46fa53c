using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace WebApp.Pages.Markup;

/// <summary>
/// The site announcement's aside (<c>@AnnouncementMarkup.For(view.Announcement)</c> in a view): the encoded text,
/// nothing when there is none. Written here rather than by a partial view, which costs more than the markup
/// (RenderBenchmarks).
/// </summary>
public sealed class AnnouncementMarkup : IHtmlContent
{
    private readonly string _text;

    private AnnouncementMarkup(string text) => _text = text;

    public static IHtmlContent For(string? text) =>
        string.IsNullOrWhiteSpace(text) ? HtmlString.Empty : new AnnouncementMarkup(text);

    public void WriteTo(TextWriter writer, HtmlEncoder encoder)
    {
        writer.Write("<aside class=\"announcement\" aria-label=\"Announcement\">\n<p>");
        encoder.Encode(writer, _text);
        writer.Write("</p>\n</aside>");
    }
}
