using WebApp.Data;
using WebApp.Tests.Infrastructure;

namespace WebApp.Tests.Benchmarks;

/// <summary>
/// The Go peer of the profile page (benchmarks/peers/go) is only a fair benchmark opponent if it does the same
/// work: same queries on the same database, and the same page. Both run on one seeded PostgreSQL database with
/// the clock pinned to the seed's reference time, and every page must be the same after normalization
/// (<see cref="HtmlSnapshot.Normalize"/>; asset URLs lose their fingerprints, which only the app computes).
/// </summary>
public sealed class GoPeerTests
{
    [Fact]
    public async Task ProfilePages_GoPeerAndWebApp_RenderTheSameHtml()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var binary = await GoPeer.BuildAsync(cancellationToken);
        await using var site = await TestSite.On(DatabaseProvider.Postgres).WithoutPageViews().WithFixedClock().StartAsync();
        await using var peer = await GoPeer.StartAsync(binary, site.Database.ConnectionString, new DateTimeOffset(DemoSeedOptions.Default.ReferenceTime), cancellationToken);
        using var app = site.CreateClient();
        using var go = new HttpClient { BaseAddress = peer.Address, Timeout = TimeSpan.FromSeconds(30) };
        var prolific = SeedFacts.Prolific;
        (string Name, string Url, int Status)[] pages =
        [
            ("profile", $"/u/{prolific.Handle}", 200),
            ("profile-page-2", $"/u/{prolific.Handle}?page=2", 200),
            ("profile-hostile", $"/u/{SeedFacts.User(1).Handle}", 200),
            ("missing", "/u/nobody_at_all", 404),
            ("past-the-end", $"/u/{prolific.Handle}?page=99", 404),
            ("malformed-handle", "/u/Not-A-Handle", 404),
            ("bad-page", $"/u/{prolific.Handle}?page=0", 400),
        ];

        var differences = new List<string>();
        foreach (var (name, url, status) in pages)
        {
            using var expected = await app.GetAsync(url, cancellationToken);
            using var received = await go.GetAsync(url.TrimStart('/'), cancellationToken);
            Assert.Equal(status, (int)expected.StatusCode);
            Assert.True(status == (int)received.StatusCode, $"{name}: the Go peer answered {(int)received.StatusCode}, WebApp {status}.\n{peer.Log}");
            var expectedHtml = Normalize(await expected.Content.ReadAsStringAsync(cancellationToken));
            var receivedHtml = Normalize(await received.Content.ReadAsStringAsync(cancellationToken));
            if (FirstDifference(expectedHtml, receivedHtml) is { } difference)
            {
                var folder = TestEnvironment.Current.NewFolder("go-peer-diff-");
                File.WriteAllText(Path.Combine(folder, name + ".webapp.html"), expectedHtml);
                File.WriteAllText(Path.Combine(folder, name + ".go.html"), receivedHtml);
                differences.Add($"{name} ({url}): {difference} (both pages in {folder})");
            }
        }

        Assert.True(differences.Count == 0, "The Go peer's HTML differs from WebApp's:\n" + string.Join('\n', differences));
    }

    /// <summary>The snapshots' normalization, then fingerprinted asset names (name.[hash].ext) as plain ones (name.ext).</summary>
    private static string Normalize(string html) => HtmlSnapshot.Default.Normalize(html).Replace(".[hash].", ".", StringComparison.Ordinal);

    private static string? FirstDifference(string expected, string received)
    {
        var expectedLines = expected.Split('\n');
        var receivedLines = received.Split('\n');
        for (var i = 0; i < Math.Max(expectedLines.Length, receivedLines.Length); i++)
        {
            var want = i < expectedLines.Length ? expectedLines[i] : "(end)";
            var got = i < receivedLines.Length ? receivedLines[i] : "(end)";
            if (want != got)
            {
                return $"line {i + 1}: WebApp '{want.Trim()}', Go '{got.Trim()}'";
            }
        }

        return null;
    }
}
