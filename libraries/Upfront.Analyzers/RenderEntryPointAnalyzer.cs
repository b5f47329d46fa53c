using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Upfront.Analyzers;

/// <summary>
/// UPF102. A view component's public InvokeAsync and a tag helper's override of ProcessAsync are asynchronous entry points
/// into rendering: the door through which I/O gets in. Invoke and Process have everything a render needs. A class
/// implementing ITagHelperComponent directly must have ProcessAsync and is not reported; TagHelper's subclasses are.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RenderEntryPointAnalyzer() : UpfrontAnalyzer<RenderSymbols>(Descriptors.RenderEntryPointsSynchronous, generatedCode: true)
{
    private protected override RenderSymbols? Symbols(Compilation compilation) => RenderSymbols.Create(compilation);

    private protected override void Register(CompilationStartAnalysisContext start, RenderSymbols symbols)
    {
        start.RegisterSymbolAction(c => Analyze(c, symbols), SymbolKind.Method);
    }

    private static void Analyze(SymbolAnalysisContext context, RenderSymbols symbols)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (method.MethodKind != MethodKind.Ordinary || method.IsStatic)
        {
            return;
        }

        var kind = symbols.Classify(method.ContainingType);
        string? instead = (kind, method.Name) switch
        {
            (RenderKind.ViewComponent, "InvokeAsync") when method.DeclaredAccessibility == Accessibility.Public => "Invoke",
            (RenderKind.TagHelper, "ProcessAsync") when method.IsOverride => "Process",
            _ => null,
        };
        if (instead is null)
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.RenderEntryPointsSynchronous,
            method.Locations[0],
            kind == RenderKind.ViewComponent ? "The view component" : "The tag helper",
            method.ContainingType.Name,
            method.Name,
            instead));
    }
}
