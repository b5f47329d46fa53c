using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using AngleSharp.Diffing;
using AngleSharp.Html;
using AngleSharp.Html.Parser;

namespace WebApp.Tests.Infrastructure;

/// <summary>
/// Stored HTML baselines under WebApp.Tests/Snapshots/. The page is normalized (pretty-printed, with
/// asset fingerprints, antiforgery tokens and nonces scrubbed) and compared semantically with
/// AngleSharp.Diffing. On a mismatch the received HTML is written beside the snapshot as
/// NAME.received.html. <c>UPDATE_SNAPSHOTS=1</c> rewrites snapshots; under <c>CI=true</c> a missing
/// snapshot fails instead of being created.
/// </summary>
public static partial class HtmlSnapshot
{
    private static readonly HtmlParser Parser = new();

    public static void Match(string name, string html, [CallerFilePath] string callerFile = "")
    {
        var folder = Path.Combine(ProjectFolder(callerFile), "Snapshots");
        var expectedPath = Path.Combine(folder, name + ".html");
        var receivedPath = Path.Combine(folder, name + ".received.html");
        var received = Normalize(html);

        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(expectedPath, received);
            File.Delete(receivedPath);
            return;
        }

        if (!File.Exists(expectedPath))
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                File.WriteAllText(receivedPath, received);
                Assert.Fail($"Snapshot {name}.html is missing (CI=true). Run `UPDATE_SNAPSHOTS=1 dotnet test` and commit it.");
            }

            File.WriteAllText(expectedPath, received);
            return;
        }

        var expected = File.ReadAllText(expectedPath);
        var diffs = DiffBuilder.Compare(expected).WithTest(received).Build().ToList();
        if (diffs.Count == 0)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, received);
        Assert.Fail($"{name}: the page differs from Snapshots/{name}.html in {diffs.Count} place(s); received HTML written to {receivedPath}.\n"
            + string.Join('\n', diffs.Take(20).Select(Describe))
            + "\nIf the change is intended: UPDATE_SNAPSHOTS=1 dotnet test");
    }

    /// <summary>Pretty-printed, with the parts that change between runs or builds replaced by placeholders.</summary>
    public static string Normalize(string html)
    {
        var document = Parser.ParseDocument(html);
        foreach (var element in document.QuerySelectorAll("[nonce]"))
        {
            element.SetAttribute("nonce", "[nonce]");
        }

        foreach (var input in document.QuerySelectorAll("input[name=__RequestVerificationToken]"))
        {
            input.SetAttribute("value", "[antiforgery]");
        }

        foreach (var element in document.QuerySelectorAll("[href], [src]"))
        {
            foreach (var attribute in new[] { "href", "src" })
            {
                if (element.GetAttribute(attribute) is { } url)
                {
                    element.SetAttribute(attribute, Fingerprint().Replace(url, ".[hash].$1"));
                }
            }
        }

        using var writer = new StringWriter { NewLine = "\n" };
        document.ToHtml(writer, new PrettyMarkupFormatter { Indentation = "  ", NewLine = "\n" });
        return writer.ToString().Trim() + "\n";
    }

    private static string Describe(AngleSharp.Diffing.Core.IDiff diff) => diff switch
    {
        AngleSharp.Diffing.Core.NodeDiff node => $"- {node.Control.Path}: expected '{Trim(node.Control.Node.TextContent)}', got '{Trim(node.Test.Node.TextContent)}'",
        AngleSharp.Diffing.Core.AttrDiff attr => $"- {attr.Control.Path}: expected {attr.Control.Attribute.Name}=\"{attr.Control.Attribute.Value}\", got \"{attr.Test.Attribute.Value}\"",
        AngleSharp.Diffing.Core.MissingNodeDiff missing => $"- missing {missing.Control.Path}: '{Trim(missing.Control.Node.TextContent)}'",
        AngleSharp.Diffing.Core.UnexpectedNodeDiff unexpected => $"- unexpected {unexpected.Test.Path}: '{Trim(unexpected.Test.Node.TextContent)}'",
        AngleSharp.Diffing.Core.MissingAttrDiff missing => $"- missing attribute {missing.Control.Path}",
        AngleSharp.Diffing.Core.UnexpectedAttrDiff unexpected => $"- unexpected attribute {unexpected.Test.Path}",
        _ => "- " + diff,
    };

    private static string Trim(string text)
    {
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length > 80 ? flat[..80] + "…" : flat;
    }

    private static string ProjectFolder(string callerFile) =>
        Path.GetDirectoryName(Path.GetDirectoryName(callerFile))!; // …/WebApp.Tests/Infrastructure/HtmlSnapshot.cs → …/WebApp.Tests

    /// <summary>MapStaticAssets' content fingerprint: name.[a-z0-9]{10}.ext</summary>
    [GeneratedRegex(@"\.[a-z0-9]{10}\.(css|js|svg|png|ico|woff2)$")]
    private static partial Regex Fingerprint();
}
