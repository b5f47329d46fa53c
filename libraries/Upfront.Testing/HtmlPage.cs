using System.Net;
using System.Net.Http.Headers;
using AngleSharp;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Xunit.Sdk;

namespace Upfront.Testing;

/// <summary>
/// A response parsed into a DOM, keeping its status and headers. Assert by selector and text, not by substring:
/// <c>var page = await HtmlPage.GetAsync(client, "/u/ana"); Assert.Equal("Ana", page.Text("h1"));</c>
/// </summary>
public sealed class HtmlPage
{
    private static readonly HtmlParser Parser = new();

    private HtmlPage(HttpStatusCode status, HttpResponseHeaders headers, HttpContentHeaders contentHeaders, IDocument document, string url)
    {
        Status = status;
        Headers = headers;
        ContentHeaders = contentHeaders;
        Document = document;
        Url = url;
    }

    /// <summary>The response's status.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The response's headers.</summary>
    public HttpResponseHeaders Headers { get; }

    /// <summary>The content's headers (type, length).</summary>
    public HttpContentHeaders ContentHeaders { get; }

    /// <summary>The parsed document.</summary>
    public IDocument Document { get; }

    /// <summary>The URL that was requested.</summary>
    public string Url { get; }

    /// <summary>GETs <paramref name="url"/> and parses the answer, whatever its status.</summary>
    public static async Task<HtmlPage> GetAsync(HttpClient client, string url, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.GetAsync(new Uri(url, UriKind.RelativeOrAbsolute), cancellationToken).ConfigureAwait(false);
        return await ParseAsync(response, url, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Parses a response already received.</summary>
    public static async Task<HtmlPage> ParseAsync(HttpResponseMessage response, string url, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        var html = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var document = await Parser.ParseDocumentAsync(html, cancellationToken).ConfigureAwait(false);
        return new HtmlPage(response.StatusCode, response.Headers, response.Content.Headers, document, url);
    }

    /// <summary>The one element that matches, or a failure that names the selector, the page and its status.</summary>
    public IElement Required(string selector)
    {
        var matches = Document.QuerySelectorAll(selector);
        return matches.Length switch
        {
            1 => matches[0],
            0 => throw new XunitException($"No element matches '{selector}' on {Url} ({(int)Status}). Body starts:\n{Excerpt()}"),
            _ => throw new XunitException($"{matches.Length} elements match '{selector}' on {Url}; expected one."),
        };
    }

    /// <summary>Every element that matches, in document order.</summary>
    public IReadOnlyList<IElement> All(string selector) => Document.QuerySelectorAll(selector);

    /// <summary>An element's text with whitespace runs collapsed, as a reader sees it.</summary>
    public static string Text(IElement element)
    {
        ArgumentNullException.ThrowIfNull(element);
        return string.Join(' ', element.TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>The text of the one element that matches <paramref name="selector"/>.</summary>
    public string Text(string selector) => Text(Required(selector));

    private string Excerpt()
    {
        var body = Document.Body?.ToHtml() ?? "";
        return body.Length > 1500 ? body[..1500] : body;
    }
}
