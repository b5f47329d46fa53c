using System.Buffers;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

using WebApp.Pages.Shared;

namespace WebApp.Pages.Markup;

/// <summary>
/// A post's excerpt (<see cref="Formatting.Excerpt"/>) that a view writes with <c>@post.Excerpt</c>: cut and encoded
/// straight into the response as the page is written out, from a pooled buffer, so a list of posts does not keep an
/// excerpt string per post until then (RenderBenchmarks). <see cref="ToString"/> is the excerpt's text, for renderers
/// that take a string (the Razor component peer).
/// </summary>
public sealed class ExcerptHtml(string body) : IHtmlContent
{
    public void WriteTo(TextWriter writer, HtmlEncoder encoder)
    {
        var buffer = ArrayPool<char>.Shared.Rent(body.Length + 1);
        try
        {
            encoder.Encode(writer, buffer, 0, Formatting.ExcerptInto(body, buffer));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    public override string ToString() => Formatting.Excerpt(body);
}
