using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc.Razor;

namespace WebApp.Pages.Markup;

/// <summary>
/// A Razor view that encodes its text straight into the response. Razor's own <c>Write(string)</c> makes an
/// encoded copy of every string that has a character to escape (a post title with an apostrophe, an excerpt
/// with a quote) and buffers the copy until the page is written out. This one buffers the string itself and
/// encodes it, with the same <see cref="HtmlEncoder"/>, as the page is written out: no copy. For the templates
/// that write user text once per item (<c>_PostList</c>), where those copies are most of what a page allocates
/// per item (RenderBenchmarks).
/// </summary>
public abstract class StreamEncodedView<TModel> : RazorPage<TModel>
{
    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        if (NeedsEncoding(HtmlEncoder, value))
        {
            // Write(object) appends HTML content to the view's buffer as it is, to be encoded as the page is written.
            Write(new EncodedText(value));
        }
        else
        {
            // Nothing to escape: the string itself, as Razor would write it.
            WriteLiteral(value);
        }
    }

    private static unsafe bool NeedsEncoding(HtmlEncoder encoder, string value)
    {
        fixed (char* text = value)
        {
            return encoder.FindFirstCharacterToEncode(text, value.Length) >= 0;
        }
    }

    private sealed class EncodedText(string text) : IHtmlContent
    {
        public void WriteTo(TextWriter writer, HtmlEncoder encoder) => encoder.Encode(writer, text);
    }
}
