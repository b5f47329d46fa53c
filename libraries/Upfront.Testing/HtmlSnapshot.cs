using System.Runtime.CompilerServices;
using AngleSharp.Diffing;
using AngleSharp.Diffing.Core;
using AngleSharp.Dom;
using AngleSharp.Html;
using AngleSharp.Html.Parser;

using Xunit;

namespace Upfront.Testing;

/// <summary>
/// Stored HTML baselines, compared semantically (AngleSharp.Diffing: whitespace and attribute order do not matter,
/// content does) after <see cref="Scrubbers"/> replace what changes between runs. Baselines live in a
/// <c>Snapshots</c> folder beside the test project's <c>.csproj</c> (found from the calling file), as
/// <c>NAME.html</c>; a mismatch writes the page as <c>NAME.received.html</c> beside it. <c>UPDATE_SNAPSHOTS=1</c>
/// rewrites baselines; under <c>CI=true</c> a missing baseline fails instead of being created.
/// </summary>
public sealed class HtmlSnapshot
{
    private static readonly HtmlParser Parser = new();

    /// <summary>The default scrubbers, the <c>Snapshots</c> folder of the calling project.</summary>
    public static HtmlSnapshot Default { get; } = new();

    /// <summary>A snapshot kind with its own scrubbers (<see cref="HtmlScrubbers.Defaults"/> when null) and folder
    /// (the calling project's <c>Snapshots</c> when null).</summary>
    public HtmlSnapshot(IEnumerable<Action<IDocument>>? scrubbers = null, string? folder = null)
    {
        Scrubbers = [.. scrubbers ?? HtmlScrubbers.Defaults];
        Folder = folder;
    }

    /// <summary>Applied in order to every page before it is stored or compared.</summary>
    public IReadOnlyList<Action<IDocument>> Scrubbers { get; }

    /// <summary>Where the baselines are; null: the calling project's <c>Snapshots</c> folder.</summary>
    public string? Folder { get; }

    /// <summary>Fails the test when <paramref name="html"/> differs from the baseline <paramref name="name"/>.</summary>
    public void Match(string name, string html, [CallerFilePath] string callerFile = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var folder = Folder ?? Path.Combine(ProjectFolder(callerFile), "Snapshots");
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
            Directory.CreateDirectory(folder);
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

    /// <summary>Pretty-printed, after every scrubber: what is stored and compared.</summary>
    public string Normalize(string html)
    {
        var document = Parser.ParseDocument(html);
        foreach (var scrub in Scrubbers)
        {
            scrub(document);
        }

        using var writer = new StringWriter { NewLine = "\n" };
        document.ToHtml(writer, new PrettyMarkupFormatter { Indentation = "  ", NewLine = "\n" });
        return writer.ToString().Trim() + "\n";
    }

    private static string Describe(IDiff diff) => diff switch
    {
        NodeDiff node => $"- {node.Control.Path}: expected '{Trim(node.Control.Node.TextContent)}', got '{Trim(node.Test.Node.TextContent)}'",
        AttrDiff attr => $"- {attr.Control.Path}: expected {attr.Control.Attribute.Name}=\"{attr.Control.Attribute.Value}\", got \"{attr.Test.Attribute.Value}\"",
        MissingNodeDiff missing => $"- missing {missing.Control.Path}: '{Trim(missing.Control.Node.TextContent)}'",
        UnexpectedNodeDiff unexpected => $"- unexpected {unexpected.Test.Path}: '{Trim(unexpected.Test.Node.TextContent)}'",
        MissingAttrDiff missing => $"- missing attribute {missing.Control.Path}",
        UnexpectedAttrDiff unexpected => $"- unexpected attribute {unexpected.Test.Path}",
        _ => "- " + diff,
    };

    private static string Trim(string text)
    {
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length > 80 ? flat[..80] + "…" : flat;
    }

    /// <summary>The nearest folder above the calling source file that holds a project file.</summary>
    private static string ProjectFolder(string callerFile)
    {
        for (var folder = Path.GetDirectoryName(callerFile); !string.IsNullOrEmpty(folder); folder = Path.GetDirectoryName(folder))
        {
            if (Directory.EnumerateFiles(folder, "*.csproj").Any())
            {
                return folder;
            }
        }

        throw new InvalidOperationException($"No project folder above {callerFile}: pass the snapshots' folder to HtmlSnapshot.");
    }
}
