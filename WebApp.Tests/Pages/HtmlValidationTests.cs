using System.Runtime.CompilerServices;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Pages;

/// <summary>
/// The stored HTML of every page (WebApp.Tests/Snapshots, kept current by <see cref="SnapshotTests"/>)
/// passes the Nu Html Checker with no error and no warning. Warnings fail too: there are none today, and
/// each one vnu gives (a section without a heading, a redundant role, an obsolete attribute) is a real
/// markup or accessibility slip; plain "info" notes are not findings and are ignored.
/// </summary>
public sealed class HtmlValidationTests
{
    [Fact]
    public async Task Snapshots_NuHtmlChecker_NoErrorsOrWarnings()
    {
        var snapshots = Directory.GetFiles(SnapshotFolder(), "*.html")
            .Where(f => !f.EndsWith(".received.html", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(snapshots.Count >= 11, $"only {snapshots.Count} snapshots in {SnapshotFolder()}");
        using var copies = new TemporaryFolder();
        foreach (var snapshot in snapshots)
        {
            // The snapshot scrubs asset fingerprints to ".[hash]."; brackets are not allowed in a URL path.
            var html = await File.ReadAllTextAsync(snapshot, TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(copies.Path, Path.GetFileName(snapshot)), html.Replace(".[hash].", ".hash.", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        }

        var findings = await NuHtmlChecker.CheckAsync(Directory.GetFiles(copies.Path), TestContext.Current.CancellationToken);

        Assert.True(findings.Count == 0,
            $"The Nu Html Checker found {findings.Count} problem(s) in WebApp.Tests/Snapshots ({snapshots.Count} files):\n" + string.Join('\n', findings));
    }

    [Fact]
    public async Task NuHtmlChecker_InvalidMarkup_ReportsErrorsAndWarnings()
    {
        // The negative control: the checker runs, and its findings are read and counted as failures.
        using var folder = new TemporaryFolder();
        var file = Path.Combine(folder.Path, "invalid.html");
        await File.WriteAllTextAsync(file, """
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><title>Invalid</title></head>
            <body><main><blink>old</blink><img src="a.png"><section><p>no heading</p></section></main></body>
            </html>
            """, TestContext.Current.CancellationToken);

        var findings = await NuHtmlChecker.CheckAsync([file], TestContext.Current.CancellationToken);

        Assert.Contains(findings, f => f.Type == "error" && f.Text.Contains("“blink”", StringComparison.Ordinal) && f.File == "invalid.html" && f.Line == 4);
        Assert.Contains(findings, f => f.Type == "error" && f.Text.Contains("“alt”", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Type == "warning" && f.Text.Contains("Section lacks heading", StringComparison.Ordinal));
    }

    private static string SnapshotFolder([CallerFilePath] string callerFile = "") =>
        Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(callerFile))!, "Snapshots"); // …/WebApp.Tests/Pages/X.cs → …/WebApp.Tests/Snapshots

    private sealed class TemporaryFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("webapp-vnu-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
