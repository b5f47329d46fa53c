using static Upfront.Analyzers.Tests.AnalyzerHarness;
using static Upfront.Analyzers.Tests.RazorShape;

namespace Upfront.Analyzers.Tests;

public sealed class RenderAsyncAnalyzerTests
{
    private const string ViewPath = "Razor/Pages/Shop_cshtml.g.cs";

    private const string TagHelperFields = """
                private global::Microsoft.AspNetCore.Razor.Runtime.TagHelpers.TagHelperExecutionContext __tagHelperExecutionContext = null!;
                private global::Microsoft.AspNetCore.Razor.Runtime.TagHelpers.TagHelperRunner __tagHelperRunner = new();
        """;

    [Fact]
    public void RenderAsync_ViewAwaitingItsModel_ReportsAtTheCshtmlLine()
    {
        // Pages/Shop.cshtml:  12  <p>@await Model.LoadAsync()</p>   14  @await Task.Delay(10).ConfigureAwait(false)
        var view = Page(string.Join("\n",
            Literal("<p>"),
            Expression(12, 5, "await Model.LoadAsync()"),
            Literal("</p>"),
            Code(14, 2, "await Task.Delay(10).ConfigureAwait(false);")));

        var diagnostics = Run<RenderAsyncAnalyzer>(("ShopModel.cs", Sources.ShopModel), (ViewPath, view));

        Assert.Equal(["UPF101 Pages/Shop.cshtml:12", "UPF101 Pages/Shop.cshtml:14"], diagnostics.Select(Describe));
        Assert.Equal(
            "The view awaits 'ShopModel.LoadAsync', which is not one of ASP.NET Core's rendering calls: load the data before rendering",
            diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void RenderAsync_RazorsOwnAwaits_ReportNothing()
    {
        // Sections, partials, view components and the tag helper runner, as the generator writes them.
        var view = Page(
            string.Join("\n",
                Expression(3, 2, "await Html.PartialAsync(\"_List\")"),
                Expression(4, 2, "await Component.InvokeAsync(\"Menu\")"),
                Code(5, 3, "await Html.RenderPartialAsync(\"_List\");"),
                "            await __tagHelperRunner.RunAsync(__tagHelperExecutionContext);",
                "            if (!__tagHelperExecutionContext.Output.IsContentModified)",
                "            {",
                "                await __tagHelperExecutionContext.SetOutputContentAsync();",
                "            }",
                "            Write(__tagHelperExecutionContext.Output);",
                "            DefineSection(\"Scripts\", async() => {",
                Expression(8, 6, "await Html.PartialAsync(\"_Scripts\")"),
                "            });"),
            TagHelperFields);
        var layout = Layout(string.Join("\n",
            Expression(3, 4, "RenderBody()"),
            Expression(4, 4, "await RenderSectionAsync(\"Scripts\", required: false)"),
            Code(5, 3, "await FlushAsync();")));

        Assert.Empty(Run<RenderAsyncAnalyzer>(
            ("ShopModel.cs", Sources.ShopModel), (ViewPath, view), ("Razor/Pages/Shared/_Layout_cshtml.g.cs", layout)));
    }

    [Fact]
    public void RenderAsync_PragmaInTheView_SilencesTheRule()
    {
        // @{ #pragma warning disable UPF101 } in the .cshtml: the directive is copied into the generated code.
        var view = Page(string.Join("\n",
            "#pragma warning disable UPF101 // the model's value is cached",
            Expression(12, 5, "await Model.LoadAsync()"),
            "#pragma warning restore UPF101",
            Expression(13, 5, "await Model.LoadAsync()")));

        Assert.Equal(["UPF101 Pages/Shop.cshtml:13"], Run<RenderAsyncAnalyzer>(("ShopModel.cs", Sources.ShopModel), (ViewPath, view)).Select(Describe));
    }

    [Fact]
    public void RenderAsync_AwaitOutsideAView_ReportsNothing()
    {
        Verify<RenderAsyncAnalyzer>(Sources.Prelude + """
            public sealed class ShopPage
            {
                public async Task OnGetAsync() => await Task.Delay(1);
            }
            """);
    }
}
