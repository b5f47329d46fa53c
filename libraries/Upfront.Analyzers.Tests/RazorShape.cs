namespace Upfront.Analyzers.Tests;

/// <summary>
/// A view as the Razor source generator writes it (net10.0): the checksum and auto-generated header, the class
/// deriving from Page, every piece of .cshtml code inside <c>#line (l,c)-(l,c) "Pages/Shop.cshtml"</c> and
/// <c>#line hidden</c>, and an @inject as a [RazorInject] property whose type and name are mapped.
/// </summary>
internal static class RazorShape
{
    /// <summary>The generated view: <paramref name="execute"/> is ExecuteAsync's body, <paramref name="members"/> more members.</summary>
    public static string Page(string execute, string members = "") => Sources.RazorHeader + $$"""

        namespace Shop.Pages
        {
            #line default
            using global::System;
            using global::System.Collections.Generic;
            using global::System.Linq;
            using global::System.Threading.Tasks;
            using global::Microsoft.AspNetCore.Mvc;
            using global::Microsoft.AspNetCore.Mvc.Rendering;
            using global::Microsoft.AspNetCore.Mvc.ViewFeatures;
            using global::Microsoft.EntityFrameworkCore;
            #line default
            #line hidden
            [global::Microsoft.AspNetCore.Razor.Hosting.RazorCompiledItemMetadataAttribute("Identifier", "/Pages/Shop.cshtml")]
            [global::System.Runtime.CompilerServices.CreateNewOnMetadataUpdateAttribute]
            #nullable restore
            internal sealed class Pages_Shop : global::Microsoft.AspNetCore.Mvc.RazorPages.Page
            #nullable disable
            {
                #pragma warning disable 1998
                public async override global::System.Threading.Tasks.Task ExecuteAsync()
                {
        {{execute}}
                }
                #pragma warning restore 1998
        {{members}}
                #nullable restore
                [global::Microsoft.AspNetCore.Mvc.Razor.Internal.RazorInjectAttribute]
                public global::Microsoft.AspNetCore.Mvc.IViewComponentHelper Component { get; private set; } = default!;
                #nullable disable
                #nullable restore
                [global::Microsoft.AspNetCore.Mvc.Razor.Internal.RazorInjectAttribute]
                public global::Microsoft.AspNetCore.Mvc.Rendering.IHtmlHelper<ShopModel> Html { get; private set; } = default!;
                #nullable disable
                #nullable restore
        public global::Microsoft.AspNetCore.Mvc.ViewFeatures.ViewDataDictionary<ShopModel> ViewData => (global::Microsoft.AspNetCore.Mvc.ViewFeatures.ViewDataDictionary<ShopModel>)PageContext?.ViewData!;
        #nullable disable
                public 
        #nullable restore
        #line (2,8)-(2,17) "Pages/Shop.cshtml"
        ShopModel

        #line default
        #line hidden
        #nullable disable
                 Model => ViewData.Model;
            }
        }
        #pragma warning restore 1591
        """;

    /// <summary>An implicit expression, <c>@code</c> on line <paramref name="line"/>, as Razor writes it.</summary>
    public static string Expression(int line, int column, string code) => $$"""
        #nullable restore
        #line ({{line}},{{column}})-({{line}},{{column + code.Length}}) 6 "Pages/Shop.cshtml"
        Write({{code}}

        #line default
        #line hidden
        #nullable disable
                    );
        """;

    /// <summary>A code block or statement (<c>@foreach</c>, <c>@{ }</c>) starting on line <paramref name="line"/>.</summary>
    public static string Code(int line, int column, string code) => $$"""
        #nullable restore
        #line ({{line}},{{column}})-({{End(line, column, code)}}) "Pages/Shop.cshtml"
        {{code}}

        #line default
        #line hidden
        #nullable disable
        """;

    /// <summary>An <c>_Layout.cshtml</c>: a RazorPage&lt;dynamic&gt; whose ExecuteAsync is <paramref name="execute"/>.</summary>
    public static string Layout(string execute) => Sources.RazorHeader.Replace("Shop.Pages.Pages_Shop", "Shop.Pages.Pages_Shared__Layout") + $$"""

        namespace Shop.Pages
        {
            #line default
            using global::System;
            using global::System.Threading.Tasks;
            using global::Microsoft.AspNetCore.Mvc;
            using global::Microsoft.AspNetCore.Mvc.Rendering;
            #line default
            #line hidden
            [global::Microsoft.AspNetCore.Razor.Hosting.RazorCompiledItemMetadataAttribute("Identifier", "/Pages/Shared/_Layout.cshtml")]
            #nullable restore
            internal sealed class Pages_Shared__Layout : global::Microsoft.AspNetCore.Mvc.Razor.RazorPage<dynamic>
            #nullable disable
            {
                #pragma warning disable 1998
                public async override global::System.Threading.Tasks.Task ExecuteAsync()
                {
        {{execute}}
                }
                #pragma warning restore 1998
            }
        }
        #pragma warning restore 1591
        """;

    // A single line ends after its last character; a block ends at the start of the line after it, as Razor writes them.
    private static string End(int line, int column, string code)
    {
        var lines = code.Split('\n');
        return lines.Length == 1 ? $"{line},{column + code.Length}" : $"{line + lines.Length - 1},1";
    }

    /// <summary>Markup between the code, as the generator writes it.</summary>
    public static string Literal(string html) => $"            WriteLiteral(\"{html}\");";

    /// <summary><c>@inject TYPE NAME</c> on line <paramref name="line"/>: the property the generator declares for it.</summary>
    public static string Inject(int line, string type, string name) => $$"""
                [global::Microsoft.AspNetCore.Mvc.Razor.Internal.RazorInjectAttribute]
                public 
        #nullable restore
        #line ({{line}},9)-({{line}},{{9 + type.Length}}) "Pages/Shop.cshtml"
        {{type}}

        #line default
        #line hidden
        #nullable disable
                 
        #nullable restore
        #line ({{line}},{{10 + type.Length}})-({{line}},{{10 + type.Length + name.Length}}) "Pages/Shop.cshtml"
        {{name}}

        #line default
        #line hidden
        #nullable disable
                 { get; private set; }
                 = default!;
        """;
}
