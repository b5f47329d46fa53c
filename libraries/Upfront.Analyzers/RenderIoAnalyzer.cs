using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Upfront.Analyzers;

/// <summary>
/// UPF100. Views, tag helpers and view components run after the loaders, one at a time and outside the deadline: the
/// compile-time half of the render guard. Reports a call, property read or construction that involves an I/O type,
/// enumerating an IQueryable, and an <c>@inject</c> of an I/O type. A fluent chain is reported once, at its outermost
/// I/O step. Razor views are generated code, so this rule analyzes it and reports at the mapped .cshtml line.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RenderIoAnalyzer() : UpfrontAnalyzer<RenderSymbols>(Descriptors.NoIoWhileRendering, generatedCode: true)
{
    // The System.Linq operators that run their source; on an IQueryable, that is the query.
    private static readonly HashSet<string> Executing =
    [
        "ToList", "ToArray", "ToDictionary", "ToHashSet", "ToLookup", "First", "FirstOrDefault", "Last", "LastOrDefault",
        "Single", "SingleOrDefault", "ElementAt", "ElementAtOrDefault", "Count", "LongCount", "Any", "All", "Contains",
        "Sum", "Min", "Max", "MinBy", "MaxBy", "Average", "Aggregate", "SequenceEqual",
    ];

    private protected override RenderSymbols? Symbols(Compilation compilation) => RenderSymbols.Create(compilation);

    private protected override void Register(CompilationStartAnalysisContext start, RenderSymbols symbols)
    {
        start.RegisterOperationAction(
            c => AnalyzeOperation(c, symbols),
            OperationKind.Invocation,
            OperationKind.PropertyReference,
            OperationKind.ObjectCreation,
            OperationKind.Loop);
        start.RegisterSymbolAction(c => AnalyzeInjected(c, symbols), SymbolKind.Property);
    }

    private static void AnalyzeOperation(OperationAnalysisContext context, RenderSymbols symbols)
    {
        var kind = symbols.Classify(context.ContainingSymbol.ContainingType);
        if (kind == RenderKind.None)
        {
            return;
        }

        var operation = context.Operation;
        if (Involved(operation, symbols) is not { } what
            || (Consumer(operation) is { } consumer && Involved(consumer, symbols) is not null))
        {
            return;
        }

        var location = operation is IForEachLoopOperation loop ? Operations.Unwrap(loop.Collection)!.Syntax.GetLocation() : operation.Syntax.GetLocation();
        context.ReportDiagnostic(Diagnostic.Create(Descriptors.NoIoWhileRendering, location, Describe(kind), what));
    }

    // @inject generates a [RazorInject] property: an injected DbContext or HttpClient is I/O waiting to happen.
    private static void AnalyzeInjected(SymbolAnalysisContext context, RenderSymbols symbols)
    {
        var property = (IPropertySymbol)context.Symbol;
        if (symbols.RazorInject is null
            || symbols.Classify(property.ContainingType) != RenderKind.View
            || !property.GetAttributes().Any(a => Operations.Is(a.AttributeClass, symbols.RazorInject))
            || !symbols.IsIo(property.Type))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.NoIoWhileRendering,
            property.Locations[0],
            "The view's @inject " + property.Name,
            property.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)));
    }

    /// <summary>What I/O the operation involves (a member's or type's name), or null.</summary>
    private static string? Involved(IOperation operation, RenderSymbols symbols)
    {
        switch (operation)
        {
            case IInvocationOperation call:
                var method = call.TargetMethod;
                if (Enumerates(call, symbols))
                {
                    return method.ContainingType.Name + "." + method.Name + " on an IQueryable";
                }

                var receiver = call.Instance ?? ThisArgument(call)?.Value;
                return symbols.IsIo(method.ContainingType) || symbols.IsIo(method.ReturnType) || symbols.IsIo(Operations.Unwrap(receiver)?.Type)
                    ? method.ContainingType.Name + "." + method.Name
                    : null;
            case IPropertyReferenceOperation read:
                var property = read.Property;
                return symbols.IsIo(property.ContainingType) || symbols.IsIo(property.Type) || symbols.IsIo(Operations.Unwrap(read.Instance)?.Type)
                    ? property.ContainingType.Name + "." + property.Name
                    : null;
            case IObjectCreationOperation creation:
                return symbols.IsIo(creation.Type) ? "new " + creation.Type!.Name : null;
            case IForEachLoopOperation loop:
                return Operations.Unwrap(loop.Collection)?.Type is { } collection && symbols.IsQueryable(collection)
                    ? "foreach over " + collection.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)
                    : null;
            default:
                return null;
        }
    }

    // Enumerable.ToList(query), Queryable.Count(query): a System.Linq operator that runs an IQueryable source.
    private static bool Enumerates(IInvocationOperation call, RenderSymbols symbols)
    {
        var method = call.TargetMethod;
        var type = method.ContainingType;
        return (Operations.Is(type, symbols.EnumerableClass) || Operations.Is(type, symbols.QueryableClass))
            && Executing.Contains(method.Name)
            && symbols.IsQueryable(Operations.Unwrap(ThisArgument(call)?.Value)?.Type);
    }

    /// <summary>The operation that uses <paramref name="operation"/> as its receiver: the next step of a fluent chain.</summary>
    private static IOperation? Consumer(IOperation operation)
    {
        var child = operation;
        var parent = operation.Parent;
        while (parent is IConversionOperation { IsImplicit: true })
        {
            child = parent;
            parent = parent.Parent;
        }

        return parent switch
        {
            IInvocationOperation call when ReferenceEquals(call.Instance, child) => call,
            IArgumentOperation { Parent: IInvocationOperation call } argument
                when ReferenceEquals(ThisArgument(call), argument) => call,
            IPropertyReferenceOperation read when ReferenceEquals(read.Instance, child) => read,
            IForEachLoopOperation loop when ReferenceEquals(loop.Collection, child) => loop,
            _ => null,
        };
    }

    // An extension method's receiver: the argument for its first parameter.
    private static IArgumentOperation? ThisArgument(IInvocationOperation call) =>
        call.TargetMethod.IsExtensionMethod ? call.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0) : null;

    private static string Describe(RenderKind kind) => kind switch
    {
        RenderKind.View => "The view",
        RenderKind.TagHelper => "The tag helper",
        _ => "The view component",
    };
}
