using static Upfront.Analyzers.Tests.AnalyzerHarness;

namespace Upfront.Analyzers.Tests;

public sealed class LoadGroupAwaitedAnalyzerTests
{
    [Fact]
    public void LoadGroupAwaited_NormalPageShape_ReportsNothing()
    {
        Verify<LoadGroupAwaitedAnalyzer>(Sources.Prelude + """
            public sealed class ShopPage(LoadGroupFactory loads, IDbContextFactory<ShopDb> db)
            {
                public async Task<Thing?> OnGetAsync(CancellationToken ct)
                {
                    using var group = loads.Create("p", ct);
                    var a = group.Query(db, "p.a", (d, c) => d.Things.FirstOrDefaultAsync(c));
                    await group.WaitAsync();
                    return a.Value;
                }

                public async Task UsingStatementAsync(CancellationToken ct)
                {
                    using (var group = loads.Create("p", ct))
                    {
                        await group.WaitAsync().ConfigureAwait(false);
                    }
                }
            }
            """);
    }

    [Fact]
    public void LoadGroupAwaited_NeverAwaited_ReportsTheDeclaration()
    {
        Verify<LoadGroupAwaitedAnalyzer>(Sources.Prelude + """
            public sealed class ShopPage(LoadGroupFactory loads)
            {
                public int OnGet(CancellationToken ct)
                {
                    using var group = loads.Create("p", ct); //! UPF003
                    var a = group.Required("p.a", c => Task.FromResult(1));
                    return 1;
                }

                public async Task TwoGroupsAsync(CancellationToken ct)
                {
                    using var first = loads.Create("p1", ct);
                    using var second = loads.Create("p2", ct); //! UPF003
                    await first.WaitAsync();
                    var token = second.Token;
                }
            }
            """);
    }

    [Fact]
    public void LoadGroupAwaited_ReturnedOrStored_ReportsNothing()
    {
        Verify<LoadGroupAwaitedAnalyzer>(Sources.Prelude + """
            public sealed class ShopPage(LoadGroupFactory loads)
            {
                private LoadGroup? _group;

                public LoadGroup? Current { get; private set; }

                public LoadGroup Start(CancellationToken ct)
                {
                    var group = loads.Create("p", ct);
                    return group;
                }

                public void Keep(CancellationToken ct)
                {
                    var group = loads.Create("p", ct);
                    _group = group;
                }

                public void Publish(CancellationToken ct)
                {
                    var group = loads.Create("p", ct);
                    Current = group;
                }
            }
            """);
    }
}
