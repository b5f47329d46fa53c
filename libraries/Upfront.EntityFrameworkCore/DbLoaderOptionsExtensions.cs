using Microsoft.EntityFrameworkCore;

namespace Upfront.EntityFrameworkCore;

/// <summary>The loaders' part of a context's options.</summary>
public static class DbLoaderOptionsExtensions
{
    /// <summary>Tags every statement a loader runs with the loader's name (<see cref="LoaderSqlTag"/>).</summary>
    public static DbContextOptionsBuilder UseLoaderSqlTags(this DbContextOptionsBuilder options) =>
        options.AddInterceptors(LoaderSqlTag.Instance);
}
