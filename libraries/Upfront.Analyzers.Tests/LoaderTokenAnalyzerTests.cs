using static Upfront.Analyzers.Tests.AnalyzerHarness;

namespace Upfront.Analyzers.Tests;

public sealed class LoaderTokenAnalyzerTests
{
    [Fact]
    public void LoaderToken_NormalPageShape_ReportsNothing()
    {
        Verify<LoaderTokenAnalyzer>(Sources.Prelude + """
            public sealed class ShopPage(LoadGroupFactory loads, IDbContextFactory<ShopDb> db)
            {
                public async Task<Thing?> OnGetAsync(CancellationToken ct)
                {
                    using var group = loads.Create("p", ct);
                    var a = group.Query(db, "p.a", (d, c) => d.Things.FirstOrDefaultAsync(c));
                    var b = group.Query(db, "p.b", (d, c) => d.Things.Where(t => t.Id > 0).OrderBy(t => t.Name).ToListAsync(c));
                    var e = group.Required("p.e", async c =>
                    {
                        c.ThrowIfCancellationRequested();
                        using var linked = CancellationTokenSource.CreateLinkedTokenSource(c, ct);
                        await Task.Delay(1, c.CanBeCanceled ? c : CancellationToken.None);
                        var names = string.Join(",", new[] { "a", "b" });
                        return await Cached(() => Task.Delay(1, c).ContinueWith(_ => names, c));
                    });
                    var f = group.Optional("p.f", TimeSpan.FromSeconds(1), c =>
                    {
                        // A nested lambda with a token of its own is its own scope.
                        Func<CancellationToken, Task> inner = own => Task.Delay(1);
                        return inner(c).ContinueWith(_ => 1, c);
                    });
                    await group.WaitAsync();
                    return a.Value;
                }

                private static Task<string> Cached(Func<Task<string>> load) => load();

                // An ordinary method is CA2016's: UPF001 only looks inside loader bodies.
                public Task Ordinary(CancellationToken ct) => Task.Delay(1);
            }
            """);
    }

    [Fact]
    public void LoaderToken_TokenOmitted_ReportsTheCallNamingLoaderAndMethod()
    {
        var source = Sources.Prelude + """
            public sealed class ShopPage(LoadGroupFactory loads, IDbContextFactory<ShopDb> db)
            {
                public async Task<Thing?> OnGetAsync(CancellationToken ct)
                {
                    using var group = loads.Create("p", ct);
                    var a = group.Query(db, "p.a", (d, c) => d.Things.FirstOrDefaultAsync()); //! UPF001
                    var b = group.Query(db, "p.b", (d, c) => d.Things
                        .Where(t => t.Id > 0)
                        .ToListAsync()); //! UPF001
                    await group.WaitAsync();
                    return a.Value;
                }
            }
            """;
        Verify<LoaderTokenAnalyzer>(source);

        var message = Run<LoaderTokenAnalyzer>(("Test.cs", source))[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("Loader 'p.a' calls 'EntityFrameworkQueryableExtensions.FirstOrDefaultAsync' without the loader's CancellationToken", message);
    }

    [Fact]
    public void LoaderToken_DefaultNoneOrAnotherToken_Reports()
    {
        Verify<LoaderTokenAnalyzer>(Sources.Prelude + """
            public sealed class ShopPage(LoadGroupFactory loads)
            {
                public async Task OnGetAsync(CancellationToken requestToken)
                {
                    using var group = loads.Create("p", requestToken);
                    var a = group.Required("p.a", async ct =>
                    {
                        await Task.Delay(1, default); //! UPF001
                        await Task.Delay(1, CancellationToken.None); //! UPF001
                        await Task.Delay(1, requestToken); //! UPF001
                        await Task.Delay(1, group.Token); //! UPF001
                        await Task.Delay(1, new CancellationToken()); //! UPF001
                        return 1;
                    });
                    await group.WaitAsync();
                }
            }
            """);
    }

    [Fact]
    public void LoaderToken_OverloadTakesToken_Reports()
    {
        Verify<LoaderTokenAnalyzer>(Sources.Prelude + """
            public static class Catalog
            {
                public static Task<int> CountAsync(string shelf) => Task.FromResult(0);
                public static Task<int> CountAsync(string shelf, CancellationToken ct) => Task.FromResult(0);
                public static Task<T> FirstAsync<T>(this IEnumerable<T> items) => Task.FromResult(items.First());
                public static Task<T> FirstAsync<T>(this IEnumerable<T> items, CancellationToken ct) => Task.FromResult(items.First());
                public static Task<int> OnlyAsync(string shelf) => Task.FromResult(0);
            }

            public sealed class Client
            {
                public Task<string> GetAsync(Uri uri) => Task.FromResult("");
                public Task<string> GetAsync(Uri uri, CancellationToken ct) => Task.FromResult("");
            }

            public sealed class ShopPage(LoadGroupFactory loads, IDbContextFactory<ShopDb> db, Client client)
            {
                public async Task OnGetAsync(CancellationToken ct)
                {
                    using var group = loads.Create("p", ct);
                    var a = group.Required("p.a", c => Catalog.CountAsync("top")); //! UPF001
                    var b = group.Required("p.b", c => new[] { 1 }.FirstAsync()); //! UPF001
                    var e = group.Required("p.e", c => client.GetAsync(new Uri("http://x"))); //! UPF001
                    var f = group.Required("p.f", c => Catalog.OnlyAsync("top"));
                    var g = group.Query(db, "p.g", (d, c) => d.Things.FindAsync(1)); //! UPF001
                    var h = group.Required("p.h", async c => { await Task.Delay(1); return 1; }); //! UPF001
                    await group.WaitAsync();
                }
            }
            """);
    }

    [Fact]
    public void LoaderToken_TokenDiscarded_ReportsEveryCallThatTakesOne()
    {
        Verify<LoaderTokenAnalyzer>(Sources.Prelude + """
            public sealed class ShopPage(LoadGroupFactory loads, IDbContextFactory<ShopDb> db)
            {
                public async Task OnGetAsync(CancellationToken ct)
                {
                    using var group = loads.Create("p", ct);
                    var a = group.Query(db, "p.a", (d, _) => d.Things.ToListAsync()); //! UPF001
                    var b = group.Optional("p.b", TimeSpan.FromSeconds(1), _ => Task.Delay(5).ContinueWith(t => 1)); //! UPF001 UPF001
                    await group.WaitAsync();
                }
            }
            """);
    }

    [Fact]
    public void LoaderToken_AnonymousMethodWithComputedName_ReportsAsThisLoader()
    {
        var source = Sources.Prelude + """
            public sealed class ShopPage(LoadGroupFactory loads)
            {
                public async Task OnGetAsync(string page, CancellationToken ct)
                {
                    using var group = loads.Create("p", ct);
                    var a = group.Required(page + ".a", delegate (CancellationToken c)
                    {
                        return Task.Delay(5).ContinueWith(t => 1, c); //! UPF001
                    });
                    await group.WaitAsync();
                }
            }
            """;
        Verify<LoaderTokenAnalyzer>(source);

        var message = Run<LoaderTokenAnalyzer>(("Test.cs", source))[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.StartsWith("This loader calls 'Task.Delay' where an overload takes a CancellationToken", message);
    }

    [Fact]
    public void LoaderToken_PragmaDisable_SilencesTheRule()
    {
        Verify<LoaderTokenAnalyzer>(Sources.Prelude + """
            public sealed class ShopPage(LoadGroupFactory loads, IDbContextFactory<ShopDb> db)
            {
                public async Task OnGetAsync(CancellationToken ct)
                {
                    using var group = loads.Create("p", ct);
            #pragma warning disable UPF001 // the count is cheap and must finish even if the page gives up
                    var a = group.Query(db, "p.a", (d, c) => d.Things.CountAsync());
            #pragma warning restore UPF001
                    var b = group.Query(db, "p.b", (d, c) => d.Things.CountAsync()); //! UPF001
                    await group.WaitAsync();
                }
            }
            """);
    }

    [Fact]
    public void LoaderToken_GeneratedCode_IsNotAnalyzed()
    {
        var generated = "// <auto-generated/>\n" + Sources.Prelude + """
            public sealed class ShopPage(LoadGroupFactory loads, IDbContextFactory<ShopDb> db)
            {
                public async Task OnGetAsync(CancellationToken ct)
                {
                    using var group = loads.Create("p", ct);
                    var a = group.Query(db, "p.a", (d, c) => d.Things.CountAsync());
                    await group.WaitAsync();
                }
            }
            """;

        Assert.Empty(Run<LoaderTokenAnalyzer>(("Generated.g.cs", generated)));
        Assert.Single(Run<LoaderTokenAnalyzer>(("Test.cs", generated.Replace("// <auto-generated/>", "// hand-written", StringComparison.Ordinal))));
    }
}
