using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Upfront.Analyzers;

/// <summary>
/// The Upfront.Loading types the loader rules look for, resolved once per compilation by metadata name, and what a
/// loader body is: a lambda or anonymous method passed straight as the body of Required, Optional or Query.
/// </summary>
public sealed class LoaderSymbols
{
    private LoaderSymbols(Compilation compilation, INamedTypeSymbol loadGroup)
    {
        LoadGroup = loadGroup;
        Loader = compilation.GetTypeByMetadataName("Upfront.Loading.Loader`1");
        LoadGroupFactory = compilation.GetTypeByMetadataName("Upfront.Loading.LoadGroupFactory");
        DbLoaders = compilation.GetTypeByMetadataName("Upfront.EntityFrameworkCore.DbLoaders");
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
    }

    public INamedTypeSymbol LoadGroup { get; }

    public INamedTypeSymbol? Loader { get; }

    public INamedTypeSymbol? LoadGroupFactory { get; }

    public INamedTypeSymbol? DbLoaders { get; }

    public INamedTypeSymbol? CancellationToken { get; }

    /// <summary>The symbols, or null when the compilation does not reference Upfront.Loading (the rules then do nothing).</summary>
    public static LoaderSymbols? Create(Compilation compilation) =>
        compilation.GetTypeByMetadataName("Upfront.Loading.LoadGroup") is { } loadGroup
            ? new LoaderSymbols(compilation, loadGroup)
            : null;

    /// <summary>
    /// When <paramref name="invocation"/> adds a loader, the parameter that takes its body and the one that takes its name.
    /// </summary>
    public bool IsLoaderCall(IInvocationOperation invocation, out IParameterSymbol? body, out IParameterSymbol? name)
    {
        body = null;
        name = null;
        var method = invocation.TargetMethod.ReducedFrom ?? invocation.TargetMethod;
        var type = method.ContainingType;
        string bodyName;
        if (Operations.Is(type, LoadGroup) && method.Name is "Required" or "Optional")
        {
            bodyName = "load";
        }
        else if (Operations.Is(type, DbLoaders) && method.Name == "Query")
        {
            bodyName = "query";
        }
        else
        {
            return false;
        }

        foreach (var parameter in invocation.TargetMethod.Parameters)
        {
            if (parameter.Name == bodyName)
            {
                body = parameter;
            }
            else if (parameter.Name == "name")
            {
                name = parameter;
            }
        }

        return body is not null;
    }

    /// <summary>The loader body lambda of a loader call, with the argument that names the loader.</summary>
    public IAnonymousFunctionOperation? LoaderBody(IInvocationOperation invocation, out IArgumentOperation? nameArgument)
    {
        nameArgument = null;
        if (!IsLoaderCall(invocation, out var body, out var name))
        {
            return null;
        }

        IAnonymousFunctionOperation? lambda = null;
        foreach (var argument in invocation.Arguments)
        {
            if (SymbolEqualityComparer.Default.Equals(argument.Parameter, body))
            {
                lambda = Operations.Unwrap(argument.Value) as IAnonymousFunctionOperation;
            }
            else if (name is not null && SymbolEqualityComparer.Default.Equals(argument.Parameter, name))
            {
                nameArgument = argument;
            }
        }

        return lambda;
    }

    /// <summary>Whether <paramref name="lambda"/> is passed straight as a loader's body.</summary>
    public bool IsLoaderBody(IAnonymousFunctionOperation lambda)
    {
        IOperation? parent = lambda.Parent;
        while (parent is IDelegateCreationOperation or IConversionOperation { IsImplicit: true })
        {
            parent = parent.Parent;
        }

        return parent is IArgumentOperation { Parent: IInvocationOperation invocation } argument
            && IsLoaderCall(invocation, out var body, out _)
            && SymbolEqualityComparer.Default.Equals(argument.Parameter, body);
    }

    /// <summary>The loader body that <paramref name="operation"/> is inside, if any.</summary>
    public IAnonymousFunctionOperation? EnclosingLoaderBody(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation lambda && IsLoaderBody(lambda))
            {
                return lambda;
            }
        }

        return null;
    }

    /// <summary>The loader's own CancellationToken parameter, or null when the lambda has none.</summary>
    public IParameterSymbol? TokenParameter(IAnonymousFunctionOperation lambda)
    {
        foreach (var parameter in lambda.Symbol.Parameters)
        {
            if (Operations.Is(parameter.Type, CancellationToken))
            {
                return parameter;
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="invocation"/> is a LoadGroup's WaitAsync.</summary>
    public bool IsWaitAsync(IOperation? invocation) =>
        invocation is IInvocationOperation { TargetMethod.Name: "WaitAsync" } call && Operations.Is(call.TargetMethod.ContainingType, LoadGroup);

    /// <summary>The name the loader is given, for messages: its constant name, else "this loader".</summary>
    public static string DisplayName(IArgumentOperation? nameArgument) =>
        nameArgument?.Value.ConstantValue is { HasValue: true, Value: string name }
            ? "Loader '" + name + "'"
            : "This loader";
}
