using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Upfront.Analyzers;

/// <summary>
/// UPF101. A view is generated as one async method, so it can await anything; the only awaits that belong there are
/// ASP.NET Core's own rendering calls (sections, partials, view components, the tag helper runner). Anything else it
/// awaits (<c>@await Model.LoadAsync()</c>) is loading that escaped the handler. An await of a call, property or field
/// declared outside Microsoft.AspNetCore.* is reported, and so is an await of a local or any other expression.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RenderAsyncAnalyzer() : UpfrontAnalyzer<RenderSymbols>(Descriptors.ViewsRenderSynchronously, generatedCode: true)
{
    private protected override RenderSymbols? Symbols(Compilation compilation) => RenderSymbols.Create(compilation) is { RazorPageBase: { } } symbols ? symbols : null;

    private protected override void Register(CompilationStartAnalysisContext start, RenderSymbols symbols)
    {
        start.RegisterOperationAction(c => Analyze(c, symbols), OperationKind.Await);
    }

    private static void Analyze(OperationAnalysisContext context, RenderSymbols symbols)
    {
        if (symbols.Classify(context.ContainingSymbol.ContainingType) != RenderKind.View)
        {
            return;
        }

        var awaitOperation = (IAwaitOperation)context.Operation;
        var awaited = Operations.UnwrapConfigureAwait(awaitOperation.Operation);
        ISymbol? target = awaited switch
        {
            IInvocationOperation call => call.TargetMethod,
            IPropertyReferenceOperation read => read.Property,
            IFieldReferenceOperation field => field.Field,
            _ => null,
        };
        if (target is not null && RenderSymbols.InAspNetCore(target.ContainingType))
        {
            return;
        }

        var name = target is null
            ? awaited?.Syntax.ToString() ?? awaitOperation.Syntax.ToString()
            : target.ContainingType.Name + "." + target.Name;
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.ViewsRenderSynchronously, awaitOperation.Syntax.GetLocation(), name));
    }
}
