using static Upfront.Analyzers.Tests.AnalyzerHarness;
using static Upfront.Analyzers.Tests.RazorShape;

namespace Upfront.Analyzers.Tests;

public sealed class RenderIoAnalyzerTests
{
    private const string ViewPath = "Razor/Pages/Shop_cshtml.g.cs";

    [Fact]
    public void RenderIo_ViewInjectingAndQueryingDbContext_ReportsAtTheCshtmlLines()
    {
        // Pages/Shop.cshtml:
        //   3  @inject ShopDb Db
        //   9  <p>@Db.Things.Count() in the database</p>
        //  11  @foreach (var thing in Db.Things.Where(t => t.Id > 0))
        //  13      <li>@thing.Name</li>
        //  16  <p>@Db.Database.GetDbConnection().Database</p>
        var view = Page(
            string.Join("\n",
                Literal("<p>"),
                Expression(9, 5, "Db.Things.Count()"),
                Literal("</p>\\n<ul>\\n"),
                Code(11, 2, "foreach (var thing in Db.Things.Where(t => t.Id > 0))\n{"),
                Expression(13, 10, "thing.Name"),
                Code(14, 1, "}"),
                Expression(16, 5, "Db.Database.GetDbConnection().Database")),
            Inject(3, "global::ShopDb", "Db"));

        var diagnostics = Run<RenderIoAnalyzer>(("Prelude.cs", Sources.Prelude), ("ShopModel.cs", Sources.ShopModel), (ViewPath, view));

        Assert.Equal(
            [
                "UPF100 Pages/Shop.cshtml:3",
                "UPF100 Pages/Shop.cshtml:9",
                "UPF100 Pages/Shop.cshtml:11",
                "UPF100 Pages/Shop.cshtml:16",
            ],
            diagnostics.Select(Describe));
        Assert.All(diagnostics, d => Assert.True(d.Location.GetMappedLineSpan().HasMappedPath));
        Assert.Equal(
            "The view uses 'Queryable.Count on an IQueryable', which does I/O, while rendering: load it in the page handler with a LoadGroup",
            diagnostics[1].GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void RenderIo_ViewRenderingItsModel_ReportsNothing()
    {
        // Pages/Shop.cshtml: @foreach (var name in Model.Names) { <li>@name</li> } @Model.Names.Count @Html.Raw("x")
        var view = Page(string.Join("\n",
            Code(4, 2, "foreach (var name in Model.Names.Where(n => n.Length > 0))\n{"),
            Expression(5, 10, "name"),
            Code(6, 1, "}"),
            Expression(7, 2, "Model.Names.Count()"),
            Expression(8, 2, "Html.Raw(\"x\")")));

        Assert.Empty(Run<RenderIoAnalyzer>(("Prelude.cs", Sources.Prelude), ("ShopModel.cs", Sources.ShopModel), (ViewPath, view)));
    }

    [Fact]
    public void RenderIo_TagHelperAndViewComponent_ReportIo()
    {
        Verify<RenderIoAnalyzer>("""
            using System.IO;
            using System.Net.Http;
            using Microsoft.AspNetCore.Mvc;
            using Microsoft.AspNetCore.Mvc.ViewComponents;
            using Microsoft.AspNetCore.Razor.TagHelpers;

            """ + Sources.Prelude + """
            public sealed class ThingsViewComponent(ShopDb db) : ViewComponent
            {
                public IViewComponentResult Invoke() => Content(db.Things.Count().ToString()); //! UPF100
            }

            public sealed class StockTagHelper(IHttpClientFactory http) : TagHelper
            {
                public override void Process(TagHelperContext context, TagHelperOutput output)
                {
                    var client = http.CreateClient(); //! UPF100
                    output.Content.SetContent(File.ReadAllText("stock.txt")); //! UPF100
                    foreach (var thing in Things()) //! UPF100
                    {
                    }
                }

                private static IQueryable<Thing> Things() => new List<Thing>().AsQueryable();
            }

            [ViewComponent(Name = "Menu")]
            public sealed class Menu
            {
                public string Invoke() => new FileStream("menu.txt", FileMode.Open).Length.ToString(); //! UPF100
            }

            // Not render code: a page handler may load.
            public sealed class ShopPage(ShopDb db)
            {
                public int OnGet() => db.Things.Count();
            }
            """);
    }

    [Fact]
    public void RenderIo_InjectOfNonIoType_ReportsNothing()
    {
        var view = Page(Expression(5, 2, "Clock.GetUtcNow()"), Inject(3, "global::System.TimeProvider", "Clock"));

        Assert.Empty(Run<RenderIoAnalyzer>(("Prelude.cs", Sources.Prelude), ("ShopModel.cs", Sources.ShopModel), (ViewPath, view)));
    }
}
