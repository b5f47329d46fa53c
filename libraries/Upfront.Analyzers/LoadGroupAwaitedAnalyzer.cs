using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Upfront.Analyzers;

/// <summary>
/// UPF003. A group created in a method and never waited for loses its loaders' failures, and its disposal cancels them.
/// A local from LoadGroupFactory.Create must meet a WaitAsync on that local somewhere in the same member, or leave it
/// (returned, or stored in a field or property). Passing it to another method does not count: say so with a pragma.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LoadGroupAwaitedAnalyzer() : UpfrontAnalyzer<LoaderSymbols>(Descriptors.GroupAwaited, generatedCode: false)
{
    private protected override LoaderSymbols? Symbols(Compilation compilation) => LoaderSymbols.Create(compilation) is { LoadGroupFactory: { } } symbols ? symbols : null;

    private protected override void Register(CompilationStartAnalysisContext start, LoaderSymbols symbols)
    {
        start.RegisterOperationAction(c => Analyze(c, symbols), OperationKind.VariableDeclarator);
    }

    private static void Analyze(OperationAnalysisContext context, LoaderSymbols symbols)
    {
        var declarator = (IVariableDeclaratorOperation)context.Operation;
        var local = declarator.Symbol;
        if (!Operations.Is(local.Type, symbols.LoadGroup)
            || Operations.Unwrap(declarator.GetVariableInitializer()?.Value) is not IInvocationOperation { TargetMethod.Name: "Create" } create
            || !Operations.Is(create.TargetMethod.ContainingType, symbols.LoadGroupFactory))
        {
            return;
        }

        foreach (var operation in Operations.DescendantsAndSelf(Operations.Root(declarator)))
        {
            var handled = operation switch
            {
                IInvocationOperation call => symbols.IsWaitAsync(call) && IsLocal(call.Instance, local),
                IReturnOperation ret => IsLocal(ret.ReturnedValue, local),
                ISimpleAssignmentOperation assignment =>
                    Operations.Unwrap(assignment.Target) is IFieldReferenceOperation or IPropertyReferenceOperation
                    && IsLocal(assignment.Value, local),
                _ => false,
            };
            if (handled)
            {
                return;
            }
        }

        context.ReportDiagnostic(Diagnostic.Create(Descriptors.GroupAwaited, declarator.Syntax.GetLocation(), local.Name));
    }

    private static bool IsLocal(IOperation? operation, ILocalSymbol local) =>
        Operations.Unwrap(operation) is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local);
}
