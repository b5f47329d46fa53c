using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;
using WebApp.Pages.Markup;
using WebApp.Pages.Shared;

namespace WebApp.Tests.Pages;

/// <summary>
/// The helpers every page calls while rendering: post excerpts and avatar initials and hues (run once per post or user
/// on every page, so they are written to allocate only their result), and the markup the pager and the announcement
/// write themselves; these cases pin what they return.
/// </summary>
public sealed class ViewHelperTests
{
    [Fact]
    public void Excerpt_ShortTextWithNoLineEnding_IsTheTextItself()
    {
        const string body = "A short post.";

        Assert.Same(body, Formatting.Excerpt(body));
    }

    [Fact]
    public void Excerpt_EveryLineEnding_BecomesOneSpace()
    {
        Assert.Equal("a b c d e f g h  i", Formatting.Excerpt("a\r\nb\nc\rd\fe\u0085f\u2028g\u2029h\n\ni"));
        Assert.Equal("one two…", Formatting.Excerpt("one\r\ntwo three", 9));
    }

    [Theory]
    [InlineData("alpha beta gamma delta", 12, "alpha beta…")]     // cut at the last space within the length
    [InlineData("alpha beta gamma delta", 10, "alpha beta…")]     // a space right at the length counts
    [InlineData("abcdefghijklmnop qr", 10, "abcdefghij…")]        // no space in the second half: cut at the length
    [InlineData("aaaaaaaaa\U0001F600bbbb", 10, "aaaaaaaaa…")]     // never half an emoji
    [InlineData("exactly ten", 11, "exactly ten")]
    public void Excerpt_LongText_IsCutAtAWord(string body, int length, string expected) =>
        Assert.Equal(expected, Formatting.Excerpt(body, length));

    [Fact]
    public void Excerpt_BodyLongerThanTheStackBuffer_IsCutTheSameWay()
    {
        var body = new string('x', 600) + "\r\n";

        Assert.Equal(new string('x', 160) + "…", Formatting.Excerpt(body));
        Assert.Equal(new string('x', 600) + " ", Formatting.Excerpt(body, 700));
    }

    [Theory]
    [InlineData("A short post.")]
    [InlineData("Tom & Jerry's <b>\"first\"</b> post")]                    // encoded as it is written
    [InlineData("line one\r\nline two\u2028three")]                       // line endings flattened
    public void ExcerptHtml_WritesTheExcerptEncoded_AndIsTheExcerptAsText(string body)
    {
        var excerpt = new ExcerptHtml(body);

        Assert.Equal(HtmlEncoder.Default.Encode(Formatting.Excerpt(body)), Html(excerpt));
        Assert.Equal(Formatting.Excerpt(body), excerpt.ToString());
    }

    [Fact]
    public void ExcerptHtml_LongBody_IsCutAtAWordWithAnEllipsis()
    {
        var body = string.Join(' ', Enumerable.Repeat("words & more", 20)); // 259 characters

        Assert.Equal(HtmlEncoder.Default.Encode(Formatting.Excerpt(body)), Html(new ExcerptHtml(body)));
        Assert.EndsWith(" more&#x2026;", Html(new ExcerptHtml(body))); // at a space within 160 characters; HtmlEncoder.Default escapes "…"
    }

    [Theory]
    [InlineData(null, PageDescription.Site)]
    [InlineData(" \t\r\n ", PageDescription.Site)]
    [InlineData("  Ada   Lovelace\r\n\u00A0(@ada):\tfirst programmer ", "Ada Lovelace (@ada): first programmer")]
    public void Description_WhiteSpaceRuns_AreOneSpace_Trimmed(string? text, string expected) =>
        Assert.Equal(expected, PageDescription.ForText(text));

    [Fact]
    public void Description_LongText_IsCutAsAnExcerpt()
    {
        var text = string.Join("  \n", Enumerable.Repeat("word", 60));

        Assert.Equal(Formatting.Excerpt(string.Join(' ', Enumerable.Repeat("word", 60)), PageDescription.MaxLength), PageDescription.ForText(text));
    }

    [Theory]
    [InlineData("ada", "Ada Lovelace", "AL")]
    [InlineData("grace", "  grace   brewster  hopper ", "GH")]           // first and last words, any spacing
    [InlineData("cher", "cher", "C")]
    [InlineData("zed", "!!! ???", "Z")]                                  // no letter or digit: the handle's first
    [InlineData("", "", "?")]
    [InlineData("elodie", "élodie ÉMILE", "ÉÉ")]
    [InlineData("obrien", "\"O'Brien\" <script>", "OS")]                 // the first letter of each word, past punctuation
    [InlineData("m", "\U0001D538lpha beta", "\U0001D538B")]              // a letter outside the BMP stays whole
    [InlineData("r2", "r2 d2", "RD")]
    [InlineData("anna", "anna\u00A0bell", "AB")]                         // a no-break space separates words too
    public void InitialsOf_FirstAndLastWords(string handle, string displayName, string expected) =>
        Assert.Equal(expected, Avatar.InitialsOf(handle, displayName));

    [Theory]
    [InlineData("ada", 163)]
    [InlineData("élodie", 198)]
    [InlineData("\U0001D538x", 318)]
    [InlineData("grace_hopper", 290)]
    public void HueOf_IsTheFnv1aHashOfTheUtf8HandleModulo360(string handle, int hue) =>
        Assert.Equal(hue, Avatar.HueOf(handle));

    [Theory]
    [InlineData(0, "0")]
    [InlineData(7, "7")]
    [InlineData(999, "999")]
    [InlineData(1_000, "1,000")]
    [InlineData(5_542, "5,542")]
    [InlineData(2_000_000, "2,000,000")]
    public void Count_HasThousandsSeparators_WhetherKeptOrFormatted(long value, string expected)
    {
        Assert.Equal(expected, Formatting.Count(value));
        Assert.Equal(expected, Formatting.Count(value));
    }

    [Fact]
    public void Dates_AreTheDay_WhateverTheTime_TheSameOnEveryCall()
    {
        var morning = new DateTime(2026, 3, 7, 0, 0, 1, DateTimeKind.Utc);
        var night = new DateTime(2026, 3, 7, 23, 59, 59, DateTimeKind.Utc);

        Assert.Equal("7 Mar 2026", Formatting.Date(morning));
        Assert.Equal("7 Mar 2026", Formatting.Date(night));
        Assert.Equal("2026-03-07", Formatting.IsoDate(night));
        Assert.Equal("2026-03-07", Formatting.IsoDate(morning));
        Assert.Equal("31 Dec 1999", Formatting.Date(new DateTime(1999, 12, 31, 12, 0, 0, DateTimeKind.Utc)));
        Assert.Equal("1999-12-31", Formatting.IsoDate(new DateTime(1999, 12, 31, 12, 0, 0, DateTimeKind.Utc)));
    }

    [Fact]
    public void Avatar_WritesItsSvg_WithLabelColourAndInitialsEncodedAsThePageEncodesText()
    {
        var avatar = Avatar.For("elodie", "élodie <Zola>");
        using var html = new StringWriter();

        avatar.WriteTo(html, HtmlEncoder.Default);

        Assert.Equal("#73265d", avatar.Fill);
        Assert.Equal(
            "<svg class=\"avatar\" role=\"img\" aria-label=\"Avatar of &#xE9;lodie &lt;Zola&gt;\" viewBox=\"0 0 40 40\" width=\"40\" height=\"40\" focusable=\"false\">"
            + "<title>Avatar of &#xE9;lodie &lt;Zola&gt;</title><circle cx=\"20\" cy=\"20\" r=\"20\" fill=\"#73265d\"/>"
            + "<text x=\"20\" y=\"20\" dy=\"0.35em\" text-anchor=\"middle\" fill=\"#ffffff\" font-size=\"15\" font-weight=\"600\">&#xC9;Z</text></svg>",
            html.ToString());
    }

    [Fact]
    public void Pager_WritesItsLinksEncoded_WithWhiteSpaceBetweenThem()
    {
        var pager = new Pager(2, 10, 35, "/users", [new("q", "a&b \"c\""), new("sort", "name")]);

        Assert.Equal(
            "<nav class=\"pager\" aria-label=\"Pages\">"
            + "\n<a rel=\"prev\" href=\"/users?q=a%26b%20%22c%22&amp;sort=name\">← Newer</a>"
            + "\n<span class=\"pager-position\">Page 2 of 4</span>"
            + "\n<a rel=\"next\" href=\"/users?q=a%26b%20%22c%22&amp;sort=name&amp;page=3\">Older →</a>"
            + "\n</nav>",
            Html(pager));
    }

    [Theory]
    [InlineData(1, 10)]   // one page: no navigation at all
    [InlineData(1, 0)]    // an empty list is one page
    public void Pager_OnePage_WritesNothing(int page, long items) =>
        Assert.Equal("", Html(new Pager(page, 10, items, "/u/ada")));

    [Theory]
    [InlineData(1, "<nav class=\"pager\" aria-label=\"Pages\">\n<span class=\"pager-position\">Page 1 of 3</span>\n<a rel=\"next\" href=\"/u/ada?page=2\">Older →</a>\n</nav>")]
    [InlineData(3, "<nav class=\"pager\" aria-label=\"Pages\">\n<a rel=\"prev\" href=\"/u/ada?page=2\">← Newer</a>\n<span class=\"pager-position\">Page 3 of 3</span>\n</nav>")]
    public void Pager_FirstAndLastPages_LinkOnlyWhereThereIsAPage(int page, string expected) =>
        Assert.Equal(expected, Html(new Pager(page, 10, 25, "/u/ada")));

    [Fact]
    public void Announcement_TextIsEncoded() =>
        Assert.Equal(
            "<aside class=\"announcement\" aria-label=\"Announcement\">\n<p>&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</p>\n</aside>",
            Html(AnnouncementMarkup.For("<b>Tom & Jerry</b>")));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  \n ")]
    public void Announcement_NoneOrBlank_WritesNothing(string? text) =>
        Assert.Equal("", Html(AnnouncementMarkup.For(text)));

    private static string Html(IHtmlContent content)
    {
        using var writer = new StringWriter();
        content.WriteTo(writer, HtmlEncoder.Default);
        return writer.ToString();
    }
}
