namespace WebApp.Loading;

/// <summary>
/// The name of the loader whose code is running, or null outside every loader. <see cref="LoadGroup"/> sets it for
/// each loader's body, and it flows through that body's awaits (an <see cref="AsyncLocal{T}"/>), so code a loader
/// calls (the SQL tag, <c>Data/LoaderSqlTag.cs</c>) can name it without being told.
/// </summary>
public static class CurrentLoader
{
    private static readonly AsyncLocal<string?> Current = new();

    public static string? Name => Current.Value;

    /// <summary>Set inside the loader's own async method, so the caller's value is restored when it yields.</summary>
    internal static void Enter(string name) => Current.Value = name;
}
