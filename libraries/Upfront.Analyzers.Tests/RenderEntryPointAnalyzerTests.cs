using static Upfront.Analyzers.Tests.AnalyzerHarness;

namespace Upfront.Analyzers.Tests;

public sealed class RenderEntryPointAnalyzerTests
{
    private const string Usings = """
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Mvc;
        using Microsoft.AspNetCore.Mvc.ViewComponents;
        using Microsoft.AspNetCore.Razor.TagHelpers;

        """;

    [Fact]
    public void RenderEntryPoint_AsyncInvokeAndProcess_Report()
    {
        Verify<RenderEntryPointAnalyzer>(Usings + """
            public sealed class CartViewComponent : ViewComponent
            {
                public Task<IViewComponentResult> InvokeAsync() => Task.FromResult<IViewComponentResult>(Content("")); //! UPF102
            }

            [ViewComponent(Name = "Menu")]
            public sealed class Menu
            {
                public Task<string> InvokeAsync() => Task.FromResult(""); //! UPF102
            }

            public sealed class StockTagHelper : TagHelper
            {
                public override Task ProcessAsync(TagHelperContext context, TagHelperOutput output) => Task.CompletedTask; //! UPF102
            }

            public sealed class HeadComponent : TagHelperComponent
            {
                public override Task ProcessAsync(TagHelperContext context, TagHelperOutput output) => Task.CompletedTask; //! UPF102
            }
            """);
    }

    [Fact]
    public void RenderEntryPoint_SynchronousEntryPoints_ReportNothing()
    {
        Verify<RenderEntryPointAnalyzer>(Usings + """
            public sealed class CartViewComponent : ViewComponent
            {
                public IViewComponentResult Invoke() => Content("");

                private Task<string> InvokeAsync() => Task.FromResult("");
            }

            public sealed class StockTagHelper : TagHelper
            {
                public override void Process(TagHelperContext context, TagHelperOutput output) => output.Content.SetContent("in stock");
            }

            public sealed class Service
            {
                public Task InvokeAsync() => Task.CompletedTask;

                public Task ProcessAsync() => Task.CompletedTask;
            }
            """);
    }
}
