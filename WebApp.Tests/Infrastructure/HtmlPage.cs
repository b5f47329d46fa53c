using System.Net;
using System.Net.Http.Headers;
using AngleSharp;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace WebApp.Tests.Infrastructure;

/// <summary>A response parsed into a DOM, keeping its status and headers.</summary>
public sealed class HtmlPage(HttpStatusCode status, HttpResponseHeaders headers, HttpContentHeaders contentHeaders, IDocument document, string url)
{
    private static readonly HtmlParser Parser = new();

    public HttpStatusCode Status { get; } = status;
    public HttpResponseHeaders Headers { get; } = headers;
    public HttpContentHeaders ContentHeaders { get; } = contentHeaders;
    public IDocument Document { get; } = document;
    public string Url { get; } = url;

    public static async Task<HtmlPage> GetAsync(HttpClient client, string url, CancellationToken cancellationToken = default)
    {
        using var response = await client.GetAsync(url, cancellationToken);
        var html = await response.Content.ReadAsStringAsync(cancellationToken);
        var document = await Parser.ParseDocumentAsync(html, cancellationToken);
        return new HtmlPage(response.StatusCode, response.Headers, response.Content.Headers, document, url);
    }

    /// <summary>The one element that matches, or a failure that names the selector and the page.</summary>
    public IElement Required(string selector)
    {
        var matches = Document.QuerySelectorAll(selector);
        return matches.Length switch
        {
            1 => matches[0],
            0 => throw new Xunit.Sdk.XunitException($"No element matches '{selector}' on {Url} ({(int)Status}). Body starts:\n{Excerpt()}"),
            _ => throw new Xunit.Sdk.XunitException($"{matches.Length} elements match '{selector}' on {Url}; expected one."),
        };
    }

    public IReadOnlyList<IElement> All(string selector) => Document.QuerySelectorAll(selector);

    /// <summary>Text content with whitespace runs collapsed, as a reader sees it.</summary>
    public static string Text(IElement element) => string.Join(' ', element.TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    public string Text(string selector) => Text(Required(selector));

    private string Excerpt()
    {
        var body = Document.Body?.ToHtml() ?? "";
        return body.Length > 1500 ? body[..1500] : body;
    }
}
