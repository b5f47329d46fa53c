using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Upfront.Analyzers;

/// <summary>
/// What every Upfront analyzer does the same way: one rule, concurrent execution, the symbols it needs looked up once
/// per compilation (a compilation without them, one that does not use the library, is not analyzed), and the render
/// rules on generated code (Razor's output) where the loader rules skip it.
/// </summary>
public abstract class UpfrontAnalyzer<TSymbols> : DiagnosticAnalyzer
    where TSymbols : class
{
    private readonly bool _generatedCode;

    private protected UpfrontAnalyzer(DiagnosticDescriptor rule, bool generatedCode)
    {
        SupportedDiagnostics = [rule];
        _generatedCode = generatedCode;
    }

    /// <inheritdoc/>
    public sealed override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; }

    /// <inheritdoc/>
    public sealed override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(_generatedCode
            ? GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics
            : GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (Symbols(start.Compilation) is { } symbols)
            {
                Register(start, symbols);
            }
        });
    }

    /// <summary>The symbols the rule needs, or null when the compilation lacks them.</summary>
    private protected abstract TSymbols? Symbols(Compilation compilation);

    /// <summary>Registers the rule's actions for one compilation.</summary>
    private protected abstract void Register(CompilationStartAnalysisContext start, TSymbols symbols);
}
