using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Upfront.Analyzers;

/// <summary>What kind of render code a type is, for the render rules.</summary>
public enum RenderKind
{
    None,
    View,
    TagHelper,
    ViewComponent,
}

/// <summary>
/// The ASP.NET Core render types and the I/O types, resolved once per compilation by metadata name. A type that is not
/// referenced resolves to nothing and matches nothing, so a project without MVC gets no render diagnostics at all.
/// </summary>
public sealed class RenderSymbols
{
    private static readonly string[] IoTypeNames =
    [
        "Microsoft.EntityFrameworkCore.DbContext",
        "Microsoft.EntityFrameworkCore.DbSet`1",
        "Microsoft.EntityFrameworkCore.IDbContextFactory`1",
        "Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions",
        "Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions",
        "System.Data.Common.DbConnection",
        "System.Data.Common.DbCommand",
        "System.Data.Common.DbDataReader",
        "System.Net.Http.HttpMessageInvoker",
        "System.Net.Http.IHttpClientFactory",
        "System.IO.File",
        "System.IO.Directory",
        "System.IO.FileStream",
    ];

    private readonly INamedTypeSymbol[] _ioClasses;
    private readonly INamedTypeSymbol[] _ioInterfaces;

    private RenderSymbols(Compilation compilation)
    {
        RazorPageBase = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Mvc.Razor.RazorPageBase");
        TagHelperComponent = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Razor.TagHelpers.ITagHelperComponent");
        ViewComponent = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Mvc.ViewComponent");
        ViewComponentAttribute = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Mvc.ViewComponentAttribute");
        RazorInject = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Mvc.Razor.Internal.RazorInjectAttribute");
        Queryable = compilation.GetTypeByMetadataName("System.Linq.IQueryable");
        EnumerableClass = compilation.GetTypeByMetadataName("System.Linq.Enumerable");
        QueryableClass = compilation.GetTypeByMetadataName("System.Linq.Queryable");
        var io = IoTypeNames.Select(compilation.GetTypeByMetadataName).Where(t => t is not null).Select(t => t!).ToArray();
        _ioClasses = io.Where(t => t.TypeKind != TypeKind.Interface).ToArray();
        _ioInterfaces = io.Where(t => t.TypeKind == TypeKind.Interface).ToArray();
    }

    public INamedTypeSymbol? RazorPageBase { get; }

    public INamedTypeSymbol? TagHelperComponent { get; }

    public INamedTypeSymbol? ViewComponent { get; }

    public INamedTypeSymbol? ViewComponentAttribute { get; }

    public INamedTypeSymbol? RazorInject { get; }

    public INamedTypeSymbol? Queryable { get; }

    public INamedTypeSymbol? EnumerableClass { get; }

    public INamedTypeSymbol? QueryableClass { get; }

    /// <summary>The symbols, or null when the compilation has none of MVC's render types (the rules then do nothing).</summary>
    public static RenderSymbols? Create(Compilation compilation)
    {
        var symbols = new RenderSymbols(compilation);
        return symbols.RazorPageBase is null && symbols.TagHelperComponent is null && symbols.ViewComponent is null ? null : symbols;
    }

    /// <summary>What <paramref name="type"/>, or a type it is nested in, is: a view, a tag helper, a view component.</summary>
    public RenderKind Classify(INamedTypeSymbol? type)
    {
        for (var current = type; current is not null; current = current.ContainingType)
        {
            var kind = ClassifyOne(current);
            if (kind != RenderKind.None)
            {
                return kind;
            }
        }

        return RenderKind.None;
    }

    private RenderKind ClassifyOne(INamedTypeSymbol type)
    {
        if (type.TypeKind != TypeKind.Class)
        {
            return RenderKind.None;
        }

        if (Operations.DerivesFrom(type, RazorPageBase))
        {
            return RenderKind.View;
        }

        if (Operations.Implements(type, TagHelperComponent))
        {
            return RenderKind.TagHelper;
        }

        if (Operations.DerivesFrom(type, ViewComponent)
            || type.Name.EndsWith("ViewComponent", StringComparison.Ordinal)
            || HasViewComponentAttribute(type))
        {
            return RenderKind.ViewComponent;
        }

        return RenderKind.None;
    }

    private bool HasViewComponentAttribute(INamedTypeSymbol type)
    {
        for (var current = type; current is not null && ViewComponentAttribute is not null; current = current.BaseType)
        {
            if (current.GetAttributes().Any(a => Operations.Is(a.AttributeClass, ViewComponentAttribute)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="type"/> does I/O: one of the I/O types, a subclass, an implementation, or System.Net.Sockets.</summary>
    public bool IsIo(ITypeSymbol? type)
    {
        switch (type)
        {
            case null:
                return false;
            case ITypeParameterSymbol parameter:
                return parameter.ConstraintTypes.Any(IsIo);
        }

        if (InSockets(type))
        {
            return true;
        }

        foreach (var io in _ioClasses)
        {
            if (Operations.DerivesFrom(type, io))
            {
                return true;
            }
        }

        foreach (var io in _ioInterfaces)
        {
            if (Operations.Implements(type, io))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="type"/> is an IQueryable, whose enumeration runs a query.</summary>
    public bool IsQueryable(ITypeSymbol? type) => Operations.Implements(type, Queryable);

    private static bool InSockets(ITypeSymbol type)
    {
        var ns = type.ContainingNamespace;
        return ns is { Name: "Sockets", ContainingNamespace: { Name: "Net", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } };
    }

    /// <summary>Whether <paramref name="symbol"/> is declared in Microsoft.AspNetCore or a namespace under it.</summary>
    public static bool InAspNetCore(ISymbol symbol)
    {
        var names = new List<string>();
        for (var ns = symbol.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            names.Add(ns.Name);
        }

        return names.Count >= 2 && names[names.Count - 1] == "Microsoft" && names[names.Count - 2] == "AspNetCore";
    }
}
