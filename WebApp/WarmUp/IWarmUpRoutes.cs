namespace WebApp.WarmUp;

/// <summary>The routes the warm-up requests, in the order given: the pages' business, not the warm-up's.</summary>
public interface IWarmUpRoutes
{
    /// <summary>Paths with their query, read once the database is initialized.</summary>
    Task<IReadOnlyList<string>> RoutesAsync(CancellationToken cancellationToken);
}
