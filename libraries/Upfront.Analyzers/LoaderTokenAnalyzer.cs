using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Upfront.Analyzers;

/// <summary>
/// UPF001. A loader's token is how the group stops it (deadline, client gone, sibling failed); a call in its body that
/// does not get that token runs on after the page gave up. CA2016 does the same for a method's own token parameter,
/// but does not know that a lambda passed to Required, Optional or Query is a loader.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LoaderTokenAnalyzer() : UpfrontAnalyzer<LoaderSymbols>(Descriptors.LoaderPassesToken, generatedCode: false)
{
    private const string Omitted = "without the loader's CancellationToken";
    private const string HasOverload = "where an overload takes a CancellationToken: call that one with the loader's token";

    private protected override LoaderSymbols? Symbols(Compilation compilation) => LoaderSymbols.Create(compilation) is { CancellationToken: { } } symbols ? symbols : null;

    private protected override void Register(CompilationStartAnalysisContext start, LoaderSymbols symbols)
    {
        start.RegisterOperationAction(c => Analyze(c, symbols), OperationKind.Invocation);
    }

    private static void Analyze(OperationAnalysisContext context, LoaderSymbols symbols)
    {
        var loaderCall = (IInvocationOperation)context.Operation;
        if (symbols.LoaderBody(loaderCall, out var nameArgument) is not { } body)
        {
            return;
        }

        var token = symbols.TokenParameter(body);
        var loader = LoaderSymbols.DisplayName(nameArgument);
        foreach (var operation in Operations.DescendantsAndSelf(body.Body, o => OwnScope(o, symbols)))
        {
            if (operation is not IInvocationOperation call || IsOnToken(call, symbols))
            {
                continue;
            }

            var method = call.TargetMethod;
            var tokenParameters = method.Parameters.Where(p => Operations.Is(p.Type, symbols.CancellationToken)).ToList();
            string? problem = null;
            if (tokenParameters.Count > 0)
            {
                // With several token parameters (CreateLinkedTokenSource), one of them carrying the loader's is enough.
                var passed = token is not null && call.Arguments.Any(a =>
                    tokenParameters.Contains(a.Parameter, SymbolEqualityComparer.Default)
                    && a.ArgumentKind != ArgumentKind.DefaultValue
                    && Operations.References(a.Value, token));
                problem = passed ? null : Omitted;
            }
            else if (HasTokenOverload(method, symbols, context.Compilation, context.ContainingSymbol.ContainingType))
            {
                problem = HasOverload;
            }

            if (problem is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.LoaderPassesToken,
                    Operations.CallLocation(call),
                    loader,
                    method.ContainingType.Name + "." + method.Name,
                    problem));
            }
        }
    }

    // A nested lambda or local function with a token of its own is another scope (a loader, a compiled query); a lambda
    // that becomes an expression tree is never run, only translated.
    private static bool OwnScope(IOperation operation, LoaderSymbols symbols) => operation switch
    {
        IAnonymousFunctionOperation lambda =>
            symbols.TokenParameter(lambda) is not null || lambda.Parent is not IDelegateCreationOperation,
        ILocalFunctionOperation local => local.Symbol.Parameters.Any(p => Operations.Is(p.Type, symbols.CancellationToken)),
        _ => false,
    };

    // ct.ThrowIfCancellationRequested(), ct.Register(...): the token's own members.
    private static bool IsOnToken(IInvocationOperation call, LoaderSymbols symbols) =>
        Operations.Is(call.TargetMethod.ContainingType, symbols.CancellationToken);

    /// <summary>The CA2016 idea: the same type (or static class, for an extension) has the same method plus a trailing token.</summary>
    private static bool HasTokenOverload(IMethodSymbol method, LoaderSymbols symbols, Compilation compilation, INamedTypeSymbol? within)
    {
        var definition = (method.ReducedFrom ?? method).OriginalDefinition;
        foreach (var candidate in definition.ContainingType.GetMembers(definition.Name).OfType<IMethodSymbol>())
        {
            if (candidate.IsStatic != definition.IsStatic
                || candidate.TypeParameters.Length != definition.TypeParameters.Length
                || candidate.Parameters.Length != definition.Parameters.Length + 1
                || !Operations.Is(candidate.Parameters[candidate.Parameters.Length - 1].Type, symbols.CancellationToken)
                || (within is not null && !compilation.IsSymbolAccessibleWithin(candidate, within)))
            {
                continue;
            }

            var same = true;
            for (var i = 0; i < definition.Parameters.Length && same; i++)
            {
                same = definition.Parameters[i].RefKind == candidate.Parameters[i].RefKind
                    && SameType(definition.Parameters[i].Type, candidate.Parameters[i].Type);
            }

            if (same)
            {
                return true;
            }
        }

        return false;
    }

    // Two overloads' parameter types match when equal, or when they are the same method type parameter by position.
    private static bool SameType(ITypeSymbol left, ITypeSymbol right)
    {
        if (SymbolEqualityComparer.Default.Equals(left, right))
        {
            return true;
        }

        switch (left, right)
        {
            case (ITypeParameterSymbol l, ITypeParameterSymbol r):
                return l.TypeParameterKind == TypeParameterKind.Method && r.TypeParameterKind == TypeParameterKind.Method && l.Ordinal == r.Ordinal;
            case (IArrayTypeSymbol l, IArrayTypeSymbol r):
                return l.Rank == r.Rank && SameType(l.ElementType, r.ElementType);
            case (INamedTypeSymbol l, INamedTypeSymbol r) when l.IsGenericType && r.IsGenericType:
                if (!SymbolEqualityComparer.Default.Equals(l.OriginalDefinition, r.OriginalDefinition))
                {
                    return false;
                }

                for (var i = 0; i < l.TypeArguments.Length; i++)
                {
                    if (!SameType(l.TypeArguments[i], r.TypeArguments[i]))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return false;
        }
    }
}
