using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Upfront.Analyzers;

/// <summary>Small operation-tree helpers the rules share, so that every rule sees through the same wrappers.</summary>
internal static class Operations
{
    /// <summary>The operation under implicit conversions and delegate creations (a lambda passed as a Func).</summary>
    public static IOperation? Unwrap(IOperation? operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation { IsImplicit: true } conversion:
                    operation = conversion.Operand;
                    break;
                case IDelegateCreationOperation creation:
                    operation = creation.Target;
                    break;
                default:
                    return operation;
            }
        }
    }

    /// <summary>The awaited operation under <c>ConfigureAwait(...)</c>, which says nothing about what is awaited.</summary>
    public static IOperation? UnwrapConfigureAwait(IOperation? operation)
    {
        operation = Unwrap(operation);
        while (operation is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } awaited })
        {
            operation = Unwrap(awaited);
        }

        return operation;
    }

    /// <summary>The outermost operation of the tree <paramref name="operation"/> is in: the member's body.</summary>
    public static IOperation Root(IOperation operation)
    {
        while (operation.Parent is { } parent)
        {
            operation = parent;
        }

        return operation;
    }

    /// <summary>Every operation under <paramref name="operation"/>, itself first, leaving out what <paramref name="prune"/> cuts.</summary>
    public static IEnumerable<IOperation> DescendantsAndSelf(IOperation operation, System.Func<IOperation, bool>? prune = null)
    {
        var stack = new Stack<IOperation>();
        stack.Push(operation);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            if (prune is not null && !ReferenceEquals(current, operation) && prune(current))
            {
                continue;
            }

            yield return current;
            foreach (var child in current.ChildOperations)
            {
                stack.Push(child);
            }
        }
    }

    /// <summary>Whether <paramref name="operation"/> reads <paramref name="parameter"/> anywhere inside it.</summary>
    public static bool References(IOperation operation, IParameterSymbol parameter)
    {
        foreach (var descendant in DescendantsAndSelf(operation))
        {
            if (descendant is IParameterReferenceOperation reference
                && SymbolEqualityComparer.Default.Equals(reference.Parameter, parameter))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="type"/> is <paramref name="definition"/>, comparing generic types by their definition.</summary>
    public static bool Is(ITypeSymbol? type, INamedTypeSymbol? definition) =>
        type is not null && definition is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, definition);

    /// <summary>Whether <paramref name="type"/> is <paramref name="baseType"/> or derives from it.</summary>
    public static bool DerivesFrom(ITypeSymbol? type, INamedTypeSymbol? baseType)
    {
        if (baseType is null)
        {
            return false;
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            if (Is(current, baseType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="type"/> is <paramref name="interfaceType"/> or implements it.</summary>
    public static bool Implements(ITypeSymbol? type, INamedTypeSymbol? interfaceType)
    {
        if (type is null || interfaceType is null)
        {
            return false;
        }

        if (Is(type, interfaceType))
        {
            return true;
        }

        foreach (var implemented in type.AllInterfaces)
        {
            if (Is(implemented, interfaceType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The location from the invoked member's name to the end of the call: one line in a long fluent chain.</summary>
    public static Location CallLocation(IInvocationOperation invocation)
    {
        var syntax = invocation.Syntax;
        if (syntax is Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax call)
        {
            var name = call.Expression switch
            {
                Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax member => member.Name,
                Microsoft.CodeAnalysis.CSharp.Syntax.MemberBindingExpressionSyntax binding => binding.Name,
                _ => (SyntaxNode)call.Expression,
            };
            return Location.Create(syntax.SyntaxTree, Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(name.SpanStart, syntax.Span.End));
        }

        return syntax.GetLocation();
    }
}
