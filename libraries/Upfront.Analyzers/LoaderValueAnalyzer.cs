using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Upfront.Analyzers;

/// <summary>
/// UPF002. A loader's Value is settled only once the group's WaitAsync has completed. Deliberately simple: a read is
/// fine when an awaited LoadGroup.WaitAsync() ends before it, in source order, in the same member; no flow analysis,
/// so a helper that is handed a Loader&lt;T&gt; is reported, and a WaitAsync in a branch that did not run is trusted.
/// A read inside a loader body is always reported: a sibling's value is not ready while the loaders run.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LoaderValueAnalyzer() : UpfrontAnalyzer<LoaderSymbols>(Descriptors.ReadAfterWait, generatedCode: false)
{
    private const string BeforeWait = "before an awaited LoadGroup.WaitAsync() in this member";
    private const string InLoader = "inside a loader body, where a sibling's value is not ready";

    private protected override LoaderSymbols? Symbols(Compilation compilation) => LoaderSymbols.Create(compilation) is { Loader: { } } symbols ? symbols : null;

    private protected override void Register(CompilationStartAnalysisContext start, LoaderSymbols symbols)
    {
        start.RegisterOperationBlockStartAction(block => AnalyzeBlock(block, symbols));
    }

    private static void AnalyzeBlock(OperationBlockStartAnalysisContext block, LoaderSymbols symbols)
    {
        var gate = new object();
        var reads = new List<IPropertyReferenceOperation>();
        var waitsEndAt = new List<int>();

        block.RegisterOperationAction(
            c =>
            {
                var read = (IPropertyReferenceOperation)c.Operation;
                if (Operations.Is(read.Property.ContainingType, symbols.Loader)
                    && read.Property.Name is "Value" or "ValueOrDefault" or "IsDegraded"
                    && !InNameOf(read))
                {
                    lock (gate)
                    {
                        reads.Add(read);
                    }
                }
            },
            OperationKind.PropertyReference);

        block.RegisterOperationAction(
            c =>
            {
                var awaited = (IAwaitOperation)c.Operation;
                if (symbols.IsWaitAsync(Operations.UnwrapConfigureAwait(awaited.Operation)))
                {
                    lock (gate)
                    {
                        waitsEndAt.Add(awaited.Syntax.Span.End);
                    }
                }
            },
            OperationKind.Await);

        block.RegisterOperationBlockEndAction(c =>
        {
            lock (gate)
            {
                foreach (var read in reads)
                {
                    string? problem = null;
                    if (symbols.EnclosingLoaderBody(read) is not null)
                    {
                        problem = InLoader;
                    }
                    else if (!waitsEndAt.Exists(end => end <= read.Syntax.SpanStart))
                    {
                        problem = BeforeWait;
                    }

                    if (problem is not null)
                    {
                        c.ReportDiagnostic(Diagnostic.Create(Descriptors.ReadAfterWait, read.Syntax.GetLocation(), read.Property.Name, problem));
                    }
                }
            }
        });
    }

    private static bool InNameOf(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is INameOfOperation)
            {
                return true;
            }
        }

        return false;
    }
}
