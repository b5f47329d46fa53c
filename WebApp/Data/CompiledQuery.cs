using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace WebApp.Data;

/// <summary>
/// An EF Core compiled query (<see cref="EF.CompileAsyncQuery"/>), compiled once per model. EF Core binds a
/// compiled query to the first model it runs against; this app has one model per provider, and the tests run
/// both providers in one process, so each model gets its own compiled delegate.
/// </summary>
public sealed class CompiledQuery<TQuery>
    where TQuery : Delegate
{
    private readonly ConditionalWeakTable<IModel, TQuery> _byModel = [];
    private readonly ConditionalWeakTable<IModel, TQuery>.CreateValueCallback _compile;

    public CompiledQuery(Func<TQuery> compile) => _compile = _ => compile();

    /// <summary>The compiled query for <paramref name="db"/>'s model.</summary>
    public TQuery For(DbContext db) => _byModel.GetValue(db.Model, _compile);
}
