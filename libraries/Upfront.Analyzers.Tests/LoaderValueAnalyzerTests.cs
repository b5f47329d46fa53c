using static Upfront.Analyzers.Tests.AnalyzerHarness;

namespace Upfront.Analyzers.Tests;

public sealed class LoaderValueAnalyzerTests
{
    [Fact]
    public void LoaderValue_NormalPageShape_ReportsNothing()
    {
        Verify<LoaderValueAnalyzer>(Sources.Prelude + """
            public sealed class ShopPage(LoadGroupFactory loads, IDbContextFactory<ShopDb> db)
            {
                public async Task<Thing?> OnGetAsync(CancellationToken ct)
                {
                    using var group = loads.Create("p", ct);
                    var a = group.Query(db, "p.a", (d, c) => d.Things.FirstOrDefaultAsync(c));
                    var b = group.Optional("p.b", TimeSpan.FromSeconds(1), c => Task.FromResult(1));
                    var name = a.Name;
                    await group.WaitAsync();
                    var shown = b.IsDegraded ? 0 : b.ValueOrDefault;
                    Func<Thing?> later = () => a.Value;
                    return a.Value;
                }

                public async Task<int> ConfiguredAsync(CancellationToken ct)
                {
                    using var group = loads.Create("p", ct);
                    var a = group.Required("p.a", c => Task.FromResult(1));
                    await group.WaitAsync().ConfigureAwait(false);
                    return a.Value;
                }
            }
            """);
    }

    [Fact]
    public void LoaderValue_ReadBeforeWaitAsync_Reports()
    {
        Verify<LoaderValueAnalyzer>(Sources.Prelude + """
            public sealed class ShopPage(LoadGroupFactory loads, IDbContextFactory<ShopDb> db)
            {
                public async Task<Thing?> OnGetAsync(CancellationToken ct)
                {
                    using var group = loads.Create("p", ct);
                    var a = group.Query(db, "p.a", (d, c) => d.Things.FirstOrDefaultAsync(c));
                    var early = a.Value; //! UPF002
                    var degraded = a.IsDegraded; //! UPF002
                    await Task.Delay(1, ct);
                    var stillEarly = a.ValueOrDefault; //! UPF002
                    await group.WaitAsync();
                    return a.Value;
                }

                // Only an awaited WaitAsync() call counts, not a task awaited later.
                public async Task<Thing?> TaskAsync(CancellationToken ct)
                {
                    using var group = loads.Create("p", ct);
                    var a = group.Query(db, "p.a", (d, c) => d.Things.FirstOrDefaultAsync(c));
                    var task = group.WaitAsync();
                    await task;
                    return a.Value; //! UPF002
                }

                // Flow-insensitive by design: a helper handed a loader has no WaitAsync of its own.
                private static Thing? Show(Loader<Thing?> loader) => loader.Value; //! UPF002
            }
            """);
    }

    [Fact]
    public void LoaderValue_ReadInsideLoaderBody_ReportsEvenAfterAnEarlierWait()
    {
        var source = Sources.Prelude + """
            public sealed class ShopPage(LoadGroupFactory loads)
            {
                public async Task<int> OnGetAsync(CancellationToken ct)
                {
                    using var first = loads.Create("p1", ct);
                    var a = first.Required("p1.a", c => Task.FromResult(1));
                    await first.WaitAsync();
                    using var second = loads.Create("p2", ct);
                    var b = second.Required("p2.b", c => Task.FromResult(a.Value + 1)); //! UPF002
                    await second.WaitAsync();
                    return b.Value;
                }
            }
            """;
        Verify<LoaderValueAnalyzer>(source);

        var message = Run<LoaderValueAnalyzer>(("Test.cs", source))[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("'Value' of a loader is read inside a loader body, where a sibling's value is not ready", message);
    }

    [Fact]
    public void LoaderValue_SuppressMessageAttribute_SilencesTheRule()
    {
        Verify<LoaderValueAnalyzer>(Sources.Prelude + """
            public static class Show
            {
                [System.Diagnostics.CodeAnalysis.SuppressMessage("Upfront", "UPF002", Justification = "called after WaitAsync")]
                public static int Count(Loader<int> loader) => loader.Value;

                public static int Other(Loader<int> loader) => loader.Value; //! UPF002
            }
            """);
    }
}
