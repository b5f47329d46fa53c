using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using WebApp.ActivityService;
using WebApp.Benchmarks;
using WebApp.Benchmarks.Infrastructure;
using WebApp.Pages;
using WebApp.Pages.Markup;
using WebApp.Pages.Shared;

namespace WebApp.Benchmarks.Tests;

/// <summary>
/// RenderBenchmarks compares three view engines, which is only fair if they render the same page from the same
/// view model: the app's Razor Pages view, the Razor component tree rendered by HtmlRenderer and the RazorSlices
/// template must write the same HTML at every post count the benchmark measures and with each of the page's
/// optional parts. Compared after <see cref="CanonicalHtml"/>: whitespace between tags (except as the space
/// between two inline elements) and the order of attributes do not count; every element, attribute value and text does.
/// </summary>
public sealed class RenderEngineTests(RenderEngineTests.Engines engines) : IClassFixture<RenderEngineTests.Engines>
{
    [Theory]
    [InlineData(10)]
    [InlineData(20)]
    [InlineData(50)]
    [InlineData(200)]
    public async Task ProfilePage_AtEachBenchmarkedPostCount_AllThreeEnginesRenderTheSameHtml(int posts) =>
        await AssertSameHtmlAsync(ProfileViews.Create(posts, RenderBenchmarks.Activity));

    public static TheoryData<string> Variants => ["no activity section", "offline, never active", "activity unavailable", "page 2, empty lists, no bio, a location, a website link", "last page"];

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task ProfilePage_OptionalParts_AllThreeEnginesRenderTheSameHtml(string variant)
    {
        var view = ProfileViews.Create(10, RenderBenchmarks.Activity);
        var path = view.Pager.Path;
        view = variant switch
        {
            "no activity section" => view with { Activity = null },
            "offline, never active" => view with { Activity = new ActivitySection(true, new UserActivity(false, null, 0)) },
            "activity unavailable" => view with { Activity = new ActivitySection(false, null) },
            "page 2, empty lists, no bio, a location, a website link" => view with
            {
                User = view.User with { Bio = "", Location = "Zürich & <b>Bern</b>", Website = "https://example.com/?q=a&b=\"<c>\"" },
                Pager = new Pager(2, ProfileModel.PageSize, 57, path),
                Posts = [],
                Following = [],
                Announcement = null,
            },
            "last page" => view with { Pager = new Pager(6, ProfileModel.PageSize, 57, path) },
            _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, null),
        };

        await AssertSameHtmlAsync(view);
    }

    private async Task AssertSameHtmlAsync(ProfileView view)
    {
        var pages = await engines.Value.RenderAllAsync(view);
        var (baseline, baselineHtml) = pages[0];
        var expected = CanonicalHtml.Lines(baselineHtml);
        // The baseline is the real page, not an empty one that every engine could match.
        Assert.Equal(view.Posts.Count, expected.Count(l => l.Line.Contains("class=\"post-item\"", StringComparison.Ordinal)));

        var differences = new List<string>();
        foreach (var (engine, html) in pages.Skip(1))
        {
            if (FirstDifference(expected, CanonicalHtml.Lines(html)) is { } difference)
            {
                var folder = Directory.CreateTempSubdirectory("render-engines-").FullName;
                File.WriteAllLines(Path.Combine(folder, "razor-pages.txt"), expected.Select(l => l.Line));
                File.WriteAllLines(Path.Combine(folder, engine.Replace(' ', '-').ToLowerInvariant() + ".txt"), CanonicalHtml.Lines(html).Select(l => l.Line));
                differences.Add($"{engine} differs from the {baseline} {difference}\n  (both normalised pages in {folder})");
            }
        }

        Assert.True(differences.Count == 0, string.Join("\n\n", differences));
    }

    /// <summary>Where two normalised pages first differ: the line, the elements around it, both versions and the two lines before.</summary>
    private static string? FirstDifference(IReadOnlyList<(string Path, string Line)> expected, IReadOnlyList<(string Path, string Line)> received)
    {
        for (var i = 0; i < Math.Max(expected.Count, received.Count); i++)
        {
            (string Path, string Line) end = ("", "(end of page)");
            var want = i < expected.Count ? expected[i] : end;
            var got = i < received.Count ? received[i] : end;
            if (want.Line != got.Line)
            {
                var before = string.Concat(expected.Skip(Math.Max(0, i - 2)).Take(Math.Min(i, 2)).Select(l => $"\n      {l.Line.Trim()}"));
                var depth = want.Line.Trim() == got.Line.Trim() ? " (the same node, at another depth of the tree)" : "";
                return $"at line {i + 1} of {expected.Count}, in {(want.Path.Length > 0 ? want.Path : got.Path)}:"
                    + $"\n  after:{before}\n  expected: {want.Line.Trim()}\n  received: {got.Line.Trim()}{depth}";
            }
        }

        return null;
    }

    /// <summary>The three engines, built once for the class on the app's own services (no server, no database).</summary>
    public sealed class Engines : IAsyncLifetime
    {
        public ProfileRenderEngines Value { get; private set; } = null!;

        public async ValueTask InitializeAsync() => Value = await ProfileRenderEngines.CreateAsync();

        public async ValueTask DisposeAsync() => await Value.DisposeAsync();
    }
}

/// <summary>
/// A page as one line per node, to compare HTML from different writers: parsed as a browser would (so character
/// references and the writer's own choices, such as <c>&lt;circle/&gt;</c> against <c>&lt;circle&gt;&lt;/circle&gt;</c>,
/// no longer count), whitespace between tags dropped, and each element's attributes sorted by name; the indentation
/// is the tree. Whitespace between two inline elements (two spans, say) stays, as one space, since a browser shows
/// it. Nothing else is changed: every other text is kept as it is, spaces included.
/// </summary>
internal static class CanonicalHtml
{
    private static readonly HtmlParser Parser = new();

    /// <summary>Each node's line, with the path of elements it is in (tag#id) to say where a difference is.</summary>
    public static IReadOnlyList<(string Path, string Line)> Lines(string html)
    {
        var lines = new List<(string Path, string Line)>();
        Walk(Parser.ParseDocument(html), "", 0, lines);
        return lines;
    }

    /// <summary>Phrasing elements: whitespace between two of them is a space on the screen.</summary>
    private static readonly HashSet<string> Inline =
    [
        "a", "abbr", "b", "bdi", "bdo", "br", "button", "cite", "code", "data", "dfn", "em", "i", "img", "input", "kbd", "label",
        "mark", "q", "s", "samp", "select", "small", "span", "strong", "sub", "sup", "svg", "textarea", "time", "u", "var", "wbr",
    ];

    private static void Walk(INode parent, string path, int depth, List<(string Path, string Line)> lines)
    {
        var indent = new string(' ', 2 * depth);
        foreach (var node in parent.ChildNodes)
        {
            switch (node)
            {
                case IDocumentType doctype:
                    lines.Add((path, $"<!DOCTYPE {doctype.Name}>"));
                    break;
                case IElement element:
                    var attributes = element.Attributes.OrderBy(a => a.Name, StringComparer.Ordinal).Select(a => $" {a.Name}=\"{a.Value.Replace("\"", "&quot;", StringComparison.Ordinal)}\"");
                    lines.Add((path, $"{indent}<{element.LocalName}{string.Concat(attributes)}>"));
                    var name = element.LocalName + (string.IsNullOrEmpty(element.Id) ? "" : "#" + element.Id);
                    Walk(element, path.Length == 0 ? name : path + " > " + name, depth + 1, lines);
                    break;
                case IText text when string.IsNullOrWhiteSpace(text.Data):
                    if (IsInline(text.PreviousSibling) && IsInline(text.NextSibling))
                    {
                        lines.Add((path, $"{indent}\" \"")); // shown as a space between the two: it counts, as one space
                    }

                    break;
                case IText text:
                    lines.Add((path, $"{indent}\"{text.Data.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\""));
                    break;
                case IComment comment:
                    lines.Add((path, $"{indent}<!--{comment.Data}-->"));
                    break;
                default:
                    lines.Add((path, $"{indent}{node.NodeName}"));
                    break;
            }
        }
    }

    private static bool IsInline(INode? node) => node is IText || (node is IElement element && Inline.Contains(element.LocalName));
}
